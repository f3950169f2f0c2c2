"""``make hub-trial``: a JupyterHub course on this machine, end to end, then all of it removed.

Run as root on Debian 12 with any Python 3.11+ (only the standard library is
needed here): ``PYTHONPATH=autograder python3 -m hub_trial [--source REPO]``.

setup     the course as a fresh clone has it (the repository's committed HEAD), a
          venv every account can run (Debian's Python 3.11, JupyterHub, the course
          package and its JupyterLab and nbgrader), configurable-http-proxy from npm,
          Linux accounts for one instructor and three students, nbgrader's exchange on
          a shared folder, the instructor's course from the repository, and JupyterHub
          on 127.0.0.1 (PAM logins; every server runs as its user)
drive     the round trip (drive.py), run by the venv's Python
cleanup   always, even after a failure or a signal: the hub, the proxy and the
          servers, every process of the trial's accounts, the accounts and their
          homes, the exchange, the trial's folders

It ends with one line: PASSED or FAILED, the students, the assignments, the
scores, the seconds. Logs, screenshots and results.json go to --artifacts.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from . import configure, hub, install, machine
from .plan import ASSIGNMENTS, CODE, INSTRUCTOR, PREFIX, SAFE_PATH, STATE, STUDENTS, VENV
from .progress import TIMES, elapsed, say, step

REPOSITORY = Path(__file__).resolve().parents[2]
DRIVE_WAIT = 3600  # seconds for the whole round trip


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hub-trial", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=REPOSITORY,
        help="the course repository (default: %(default)s)",
    )
    parser.add_argument(
        "--work-tree",
        action="store_true",
        help="install the work tree as it is, not its committed HEAD",
    )
    parser.add_argument("--jobs", type=int, default=2, help="netcourse grade --jobs (2)")
    parser.add_argument(
        "--compare-jobs",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also time grading the class with --jobs 1 and --jobs 2, alternating, ROUNDS times",
    )
    parser.add_argument(
        "--artifacts",
        type=Path,
        default=REPOSITORY / "test-artifacts" / "hub-trial",
        help="logs, screenshots, results (default: %(default)s)",
    )
    parser.add_argument(
        "--keep-env",
        action="store_true",
        help="keep the venv and the proxy in /opt/nctrial for a faster next run",
    )
    parser.add_argument(
        "--keep-on-failure",
        action="store_true",
        help="after a failure leave everything running to look at; the next run removes it",
    )
    return parser.parse_args(argv)


def _signalled(signum: int, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through cleanup


def set_up(args: argparse.Namespace) -> tuple[subprocess.Popen, dict]:
    """Everything up to a running hub; returns the hub and the state the drive needs."""
    logs = args.artifacts
    with step("Debian packages (npm, chromium, python3.11-venv) where missing"):
        installed = install.debian_packages(logs)
        say(f"   installed: {', '.join(installed)}" if installed else "   all there")
    with step("the course, as a fresh clone has it"):
        install.TRIAL_ROOT.mkdir(parents=True, exist_ok=True)
        os.chmod(install.TRIAL_ROOT, 0o755)
        say(f"   {install.snapshot(args.source.resolve(), args.work_tree)}")
        install.copy_trial_code()
    with step("venv: JupyterHub, Playwright and the course package (JupyterLab, nbgrader)"):
        install.venv(logs)
    with step("configurable-http-proxy from npm"):
        install.proxy(logs)
    versions = install.versions()
    (logs / "versions.json").write_text(json.dumps(versions, indent=1))
    say("   " + ", ".join(f"{name} {version}" for name, version in versions.items()))
    course = configure.course_id()
    with step(f"accounts: {INSTRUCTOR} and {len(STUDENTS)} students"):
        passwords = machine.make_accounts()
    with step("the exchange, nbgrader's config, the instructor's course, students' settings"):
        configure.exchange_and_global_config()
        root = configure.instructor_course(course)
        configure.student_settings()
    with step("JupyterHub on 127.0.0.1"):
        ports = {"proxy": hub.free_port(), "proxy_api": hub.free_port(), "hub": hub.free_port()}
        driver_token = secrets.token_hex(32)
        process = hub.start(ports, driver_token, course, logs / "hub.log")
        url = f"http://127.0.0.1:{ports['proxy']}"
        say(f"   {url}/ (proxy API :{ports['proxy_api']}, hub :{ports['hub']})")
    state = {
        "hub_url": url,
        "driver_token": driver_token,
        "passwords": passwords,
        "course_id": course,
        "course_root": str(root),
        "jobs": args.jobs,
        "compare_jobs": args.compare_jobs,
        "artifacts": str(logs),
    }
    return process, state


def drive(state: dict) -> dict:
    """The round trip in the venv's Python; returns its results, "ok" among them."""
    STATE.write_text(json.dumps({**state, "elapsed": elapsed()}))
    os.chmod(STATE, 0o600)
    env = {
        "PATH": SAFE_PATH,
        "LANG": "C.UTF-8",
        "HOME": "/root",
        "PYTHONPATH": str(CODE),
        "PYTHONUNBUFFERED": "1",
    }
    child = subprocess.run(
        [f"{VENV}/bin/python", "-m", "hub_trial.drive"], env=env, timeout=DRIVE_WAIT, check=False
    )
    results = Path(state["artifacts"]) / "results.json"
    result = json.loads(results.read_text()) if results.exists() else {}
    result["ok"] = child.returncode == 0 and result.get("ok", False)
    if not result["ok"]:
        result.setdefault("error", f"drive.py exited {child.returncode}")
    return result


def summary(ok: bool, scores: dict, seconds: float) -> str:
    """The trial's last line: verdict, students, assignments, scores, time."""
    shown = "; ".join(
        f"{student.removeprefix(PREFIX)} ({STUDENTS[student]}) "
        + " ".join(f"{a[:2]}={v['score']:g}/{v['max_score']:g}" for a, v in sorted(per.items()))
        for student, per in sorted(scores.items())
    )
    return (
        f"hub-trial: {'PASSED' if ok else 'FAILED'}: {len(STUDENTS)} students, "
        f"{len(ASSIGNMENTS)} assignments ({', '.join(ASSIGNMENTS)}), "
        f"scores {shown or 'none'}; {seconds:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if os.geteuid() != 0:
        print("hub-trial: run it as root (it creates Linux accounts)", file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _signalled)
    try:
        with machine.only_trial():
            shutil.rmtree(args.artifacts, ignore_errors=True)
            args.artifacts.mkdir(parents=True)
            return trial(args)
    except machine.TrialRunning as exc:
        print(f"hub-trial: {exc}", file=sys.stderr)
        return 2


def trial(args: argparse.Namespace) -> int:
    process, result, ok, keep = None, {}, False, False
    try:
        if left := machine.leftovers(keep_env=True):
            with step("remove what an earlier run left"):
                say(f"   found: {', '.join(left)}")
                if problems := machine.cleanup(lambda: hub.stop_hub(None), keep_env=True):
                    raise RuntimeError("; ".join(problems))
        process, state = set_up(args)
        with step("the round trip (drive.py, in the venv's Python)"):
            result = drive(state)
            if not result["ok"]:
                raise RuntimeError(f"the round trip failed: {result['error']}")
        ok = True
    except BaseException as exc:
        say(f"FAILED: {type(exc).__name__}: {exc}")
        keep = args.keep_on_failure and not isinstance(exc, KeyboardInterrupt | SystemExit)
    finally:
        if keep:
            say("   --keep-on-failure: everything is left running; the next run removes it")
        else:
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)  # cleanup is bounded: let it finish
            with step("cleanup: hub, processes, accounts, exchange, trial folders"):
                problems = machine.cleanup(lambda: hub.stop_hub(process), args.keep_env)
                if left := problems + machine.leftovers(args.keep_env):
                    ok = False
                    say(f"   cleanup left: {left}")
        times = {**TIMES, **{f"drive: {k}": v for k, v in result.get("times", {}).items()}}
        (args.artifacts / "times.json").write_text(json.dumps(times, indent=1))
        print(summary(ok, result.get("scores", {}), elapsed()), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
