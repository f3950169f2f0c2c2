"""The machine side of the trial, as root: commands, accounts, processes, and removing it all.

Cleanup is idempotent and finds what to remove from the machine itself (the
accounts that carry the trial's marker, the processes of their uids, the
trial's folders), so it also clears what a killed run left behind.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .plan import ACCOUNTS, EXCHANGE_PARENT, LOCK, MARKER, PREFIX, SAFE_PATH, TRIAL_ROOT, VENV
from .progress import say


def run(
    cmd: list[str],
    *,
    log: Path | None = None,
    timeout: float = 600,
    check: bool = True,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    """Run a command within ``timeout`` seconds; its output is appended to ``log`` or returned."""
    if log is None:
        proc = subprocess.run(
            cmd, capture_output=True, timeout=timeout, cwd=cwd, env=env, input=input, text=True
        )
    else:
        with log.open("a") as out:
            out.write(f"\n$ {' '.join(cmd)}\n")
            out.flush()
            proc = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                cwd=cwd,
                env=env,
                input=input,
                text=True,
            )
    if check and proc.returncode != 0:
        where = f"see {log}" if log else (proc.stderr or proc.stdout).strip()[-2000:]
        raise RuntimeError(f"{cmd[0]} exited {proc.returncode}: {where}")
    return proc


def as_user(
    name: str, cmd: list[str], *, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """Run a command as a trial account in a clean login-like environment (no hub variables)."""
    home = pwd.getpwnam(name).pw_dir
    clean = {
        "HOME": home,
        "USER": name,
        "LOGNAME": name,
        "PATH": SAFE_PATH,
        "LANG": "C.UTF-8",
        "SHELL": "/bin/bash",
        **(env or {}),
    }
    setting = [f"{key}={value}" for key, value in clean.items()]
    kwargs.setdefault("cwd", home)
    return run(["/usr/sbin/runuser", "-u", name, "--", "env", "-i", *setting, *cmd], **kwargs)


class TrialRunning(RuntimeError):
    """Another hub trial holds the machine."""


@contextmanager
def only_trial() -> Iterator[None]:
    """Hold the machine's trial lock: a second trial would remove the first one's accounts."""
    with LOCK.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrialRunning(f"another hub trial is running (it holds {LOCK})") from None
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            LOCK.unlink(missing_ok=True)  # cleanup is over: nothing is left to collide with


# ----------------------------------------------------------------------------- accounts


def make_accounts() -> dict[str, str]:
    """The instructor's and the students' Linux accounts, with random passwords (for PAM)."""
    passwords = {}
    for name in ACCOUNTS:
        run(
            [
                "/usr/sbin/useradd",
                "--create-home",
                "--shell",
                "/bin/bash",
                "--comment",
                MARKER,
                name,
            ]
        )
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
        passwords[name] = secrets.token_urlsafe(12)
    run(["/usr/sbin/chpasswd"], input="".join(f"{u}:{p}\n" for u, p in passwords.items()))
    return passwords


def write_as(name: str, path: Path, text: str) -> None:
    """Write a file in an account's home, owned by that account, folders included."""
    account = pwd.getpwnam(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for part in [path, *path.parents]:
        if part == Path(account.pw_dir):
            break
        os.chown(part, account.pw_uid, account.pw_gid)


def trial_accounts() -> list[pwd.struct_passwd]:
    return [p for p in pwd.getpwall() if p.pw_name.startswith(PREFIX) and MARKER in p.pw_gecos]


# ----------------------------------------------------------------------------- processes


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(pid: int, grace: float, what: str) -> None:
    """SIGTERM one process, wait up to ``grace`` seconds for it to end, then SIGKILL it."""
    if not alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and alive(pid):
        with suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        time.sleep(0.2)
    if alive(pid):
        say(f"   {what} {pid} ignored SIGTERM for {grace:.0f}s: SIGKILL")
        os.kill(pid, signal.SIGKILL)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def pids_of(uids: set[int]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except FileNotFoundError:
                pass
    return found


def stop_accounts_processes() -> None:
    """Every process of a trial account: SIGTERM, then SIGKILL, in at most five rounds."""
    uids = {p.pw_uid for p in trial_accounts()}
    for round_ in range(5):  # bounded: a fork loop cannot keep cleanup here
        pids = pids_of(uids)
        if not pids:
            return
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if round_ else signal.SIGTERM)
        time.sleep(0.3 if round_ else 1.0)
    if left := pids_of(uids):
        raise RuntimeError(f"processes of trial accounts still alive: {left}")


# ----------------------------------------------------------------------------- cleanup


def remove_accounts_temp_files() -> None:
    uids = {p.pw_uid for p in trial_accounts()}
    for top in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
        for entry in top.iterdir():
            try:
                if entry.lstat().st_uid not in uids:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
            except FileNotFoundError:
                pass


def remove_accounts() -> None:
    for account in trial_accounts():
        run(["/usr/sbin/userdel", "--remove", account.pw_name], check=False)
        if account.pw_dir.startswith("/home/" + PREFIX):
            shutil.rmtree(account.pw_dir, ignore_errors=True)
    if left := [p.pw_name for p in trial_accounts()]:
        raise RuntimeError(f"accounts left: {left}")


def trial_folders(keep_env: bool) -> list[Path]:
    """The folders a run leaves behind; with ``keep_env``, all but the venv and the proxy."""
    if not keep_env:
        return [EXCHANGE_PARENT, TRIAL_ROOT]
    kept = {VENV.name, "chp"}
    inside = [p for p in TRIAL_ROOT.iterdir() if p.name not in kept] if TRIAL_ROOT.exists() else []
    return [EXCHANGE_PARENT, *inside]


def remove_folders(keep_env: bool) -> None:
    for path in trial_folders(keep_env):
        shutil.rmtree(path, ignore_errors=True)
    if left := [p for p in trial_folders(keep_env) if p.exists()]:
        raise RuntimeError(f"still there: {left}")


def cleanup(stop_hub: Callable[[], None], keep_env: bool) -> list[str]:
    """Remove everything the trial made, each part on its own; return what went wrong."""
    problems = []
    parts = [
        ("stop the hub (it stops the servers and the proxy)", stop_hub),
        ("stop the trial accounts' processes", stop_accounts_processes),
        ("remove their files in /tmp, /var/tmp, /dev/shm", remove_accounts_temp_files),
        ("remove the trial accounts and their homes", remove_accounts),
        ("remove the exchange and the trial's folders", lambda: remove_folders(keep_env)),
    ]
    for what, part in parts:
        start = time.monotonic()
        try:
            part()
            say(f"   {what}: done ({time.monotonic() - start:.1f}s)")
        except Exception as exc:  # go on: the rest must be removed all the same
            problems.append(f"{what}: {type(exc).__name__}: {exc}")
            say(f"   cleanup problem: {what}: {exc}")
    return problems


def leftovers(keep_env: bool) -> list[str]:
    """What a run left on the machine: accounts, their processes, folders."""
    accounts = trial_accounts()
    found = [f"account {p.pw_name}" for p in accounts]
    if pids := pids_of({p.pw_uid for p in accounts}):
        found.append(f"{len(pids)} processes of trial accounts")
    found += [str(p) for p in trial_folders(keep_env) if p.exists()]
    return found
