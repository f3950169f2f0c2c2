"""The round trip, as a class goes through it, over HTTP on 127.0.0.1.

The hub's REST API makes tokens, starts the servers and enrols the students;
each user's server is driven through its own REST APIs (contents, terminals,
nbgrader's assignment_list, validate_assignment and formgrader endpoints);
Chromium logs a student in and fetches an assignment, and shows the
instructor's formgrader. ``netcourse grade`` is typed into the instructor's
JupyterLab terminal. The trial runs this module with its venv's Python, as
root: ``python -m hub_trial.drive`` (it reads plan.STATE).
"""

from __future__ import annotations

import json
import pwd
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import browser
from .answers import EXPECTED, answer, hidden_lines, hidden_shown, score_shown, solution_bodies
from .checks import FEEDBACK_FILES, feedback_gaps, formgrader_gaps
from .machine import as_user
from .plan import ASSIGNMENTS, EXCHANGE, INSTRUCTOR, PREFIX, SRC, STATE, STUDENTS
from .progress import TIMES, continue_clock, say, step
from .rest import Api, expect, nbgrader_value, type_in_terminal

SERVERS_WAIT = 180  # seconds for every server to be ready
GRADE_WAIT = 1800  # seconds for `netcourse grade` in the terminal


class Trip:
    """One class's round trip: the hub, the instructor's server and three students'."""

    def __init__(self, state: dict):
        self.state = state
        self.hub_url = state["hub_url"]
        self.hub = Api(self.hub_url + "/hub/api", state["driver_token"])
        self.course = state["course_id"]
        self.root = Path(state["course_root"])
        self.assignments = list(ASSIGNMENTS)
        self.artifacts = Path(state["artifacts"])
        self.servers: dict[str, Api] = {}
        self.scores: dict = {}

    @property
    def instructor(self) -> Api:
        return self.servers[INSTRUCTOR]

    def formgrader(self, method: str, path: str, **kw):
        return self.instructor.call(method, "/formgrader/api" + path, **kw)

    # -- the hub

    def tokens(self) -> None:
        say(f"   JupyterHub {self.hub.get('/')['version']}")
        known = {user["name"] for user in self.hub.get("/users")}
        for name in [INSTRUCTOR, *STUDENTS]:
            if name not in known:
                self.hub.post("/users", json={"usernames": [name]})
            token = self.hub.post(
                f"/users/{name}/tokens", json={"note": "hub trial", "expires_in": 7200}
            )["token"]
            self.servers[name] = Api(f"{self.hub_url}/user/{name}", token)

    def start_servers(self) -> None:
        for name in self.servers:
            self.hub.post(f"/users/{name}/server", json={})
        waiting, deadline = set(self.servers), time.monotonic() + SERVERS_WAIT
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                server = self.hub.get(f"/users/{name}").get("servers", {}).get("")
                if server and server.get("ready"):
                    waiting.discard(name)
            time.sleep(1)
        expect(not waiting, f"servers not ready within {SERVERS_WAIT} s: {sorted(waiting)}")
        codes = {name: api.status("/formgrader/api/status") for name, api in self.servers.items()}
        expect(
            codes[INSTRUCTOR] == 200 and all(codes[s] == 404 for s in STUDENTS),
            f"/formgrader/api/status answers {codes}: only the instructor's should",
        )
        say(f"   {len(self.servers)} servers ready; the formgrader answers the instructor only")

    def servers_run_as_their_users(self) -> None:
        """Each server writes a file through its contents API: its owner is the server's user."""
        owners = {}
        for name, api in self.servers.items():
            api.put(
                "/api/contents/whoami.txt", json={"type": "file", "format": "text", "content": name}
            )
            path = Path(pwd.getpwnam(name).pw_dir) / "whoami.txt"
            owners[name] = pwd.getpwuid(path.stat().st_uid).pw_name
            api.delete("/api/contents/whoami.txt")
        expect(all(name == owner for name, owner in owners.items()), f"servers run as {owners}")
        say("   each server runs as its own Linux account (the owner of a file it wrote)")

    # -- the instructor

    def enrol(self) -> None:
        """The students join the course's hub group and the gradebook."""
        group = f"nbgrader-{self.course}"
        self.hub.post(f"/groups/{group}/users", json={"users": list(STUDENTS)})
        for name in STUDENTS:
            self.formgrader(
                "PUT",
                f"/student/{name}",
                json={
                    "first_name": name.removeprefix(PREFIX).title(),
                    "last_name": "Trial",
                    "email": f"{name}@localhost",
                },
            )
        listed = sorted(s["id"] for s in self.formgrader("GET", "/students"))
        expect(listed == sorted(STUDENTS), f"the formgrader lists the students {listed}")
        say(f"   hub group {group} and the gradebook: {listed}")

    def release(self) -> None:
        for a in self.assignments:
            nbgrader_value(self.formgrader("POST", f"/assignment/{a}/assign"), f"generate {a}")
            nbgrader_value(self.formgrader("POST", f"/assignment/{a}/release"), f"release {a}")
        course = EXCHANGE / self.course
        released = sorted(p.name for p in (course / "outbound").iterdir())
        expect(released == sorted(self.assignments), f"the exchange's outbound/ has {released}")
        modes = {
            p.name: oct(p.stat().st_mode & 0o7777)
            for p in (course, course / "outbound", course / "inbound")
        }
        say(f"   exchange outbound/: {released}; modes {modes}")

    # -- the students

    def listed(self, name: str, assignment: str) -> list[dict]:
        """The student's Assignments tab entries for one assignment."""
        reply = self.servers[name].get("/assignments", params={"course_id": self.course})
        return [
            x
            for x in nbgrader_value(reply, f"{name}: the assignment list")
            if x["assignment_id"] == assignment
        ]

    def fetch_in_browser(self, name: str) -> None:
        shots = self.artifacts / "browser"
        with browser.logged_in(self.hub_url, name, self.state["passwords"][name], shots) as page:
            warning = browser.fetch_in_assignments_tab(
                page, self.assignments, self.assignments[0], shots
            )
        expect(not warning, f"the Assignments tab warns: {warning}")
        say(
            f"   {name} logged in on the hub's page, saw {', '.join(self.assignments)} in the "
            f"Assignments tab and clicked Fetch on {self.assignments[0]}"
        )

    def hand_in(self, name: str, kind: str, fetched: set[str]) -> None:
        """Fetch, answer, validate and submit every assignment, as one student."""
        api = self.servers[name]
        for a in self.assignments:
            if a not in fetched:
                api.post("/assignments/fetch", json={"course_id": self.course, "assignment_id": a})
            expect(
                any(x["status"] == "fetched" for x in self.listed(name, a)),
                f"{name}: {a} is not fetched",
            )
            path = f"{self.course}/{a}/{a}.ipynb"
            notebook = api.get(f"/api/contents/{path}", params={"content": 1})["content"]
            changed = answer(notebook, kind, solution_bodies(SRC / "solutions", a))
            api.put(
                f"/api/contents/{path}",
                json={"type": "notebook", "format": "json", "content": notebook},
            )
            checked = nbgrader_value(
                api.post("/assignments/validate", json={"path": path}), f"{name}: validate {a}"
            )
            verdict = {k: len(v) for k, v in checked.items() if isinstance(v, list)}
            api.post("/assignments/submit", json={"course_id": self.course, "assignment_id": a})
            expect(
                any(x["status"] == "submitted" for x in self.listed(name, a)),
                f"{name}: {a} is not submitted",
            )
            say(
                f"   {name} ({kind}) {a}: {changed} answer cells written, validate says "
                f"{verdict or 'all passed'}, submitted"
            )

    def hand_in_all(self, fetched: dict[str, set[str]]) -> None:
        """Every student hands in at the same time, as a class does before a deadline."""
        with ThreadPoolExecutor(len(STUDENTS)) as pool:
            handing_in = [
                pool.submit(self.hand_in, name, kind, fetched.get(name, set()))
                for name, kind in STUDENTS.items()
            ]
            for hand_in in handing_in:
                hand_in.result()

    # -- the instructor

    def collect(self) -> None:
        for a in self.assignments:
            nbgrader_value(self.formgrader("POST", f"/assignment/{a}/collect"), f"collect {a}")
        listing = self.instructor.get(
            f"/api/contents/{self.course}/submitted", params={"content": 1}
        )
        students = sorted(x["name"] for x in listing["content"])
        expect(students == sorted(STUDENTS), f"submitted/ holds {students}")
        # nbgrader's permissions at work: inbound/ is 0733, a student cannot list it
        inbound = EXCHANGE / self.course / "inbound"
        student = list(STUDENTS)[-1]
        peek = as_user(student, ["ls", str(inbound)], check=False)
        expect(
            peek.returncode != 0 and "Permission denied" in peek.stderr,
            f"{student} can list inbound/: {peek.stdout[:300]}",
        )
        own = as_user(INSTRUCTOR, ["ls", str(inbound)], check=False)
        handed_in = len(own.stdout.splitlines())  # one entry a line: the names have spaces
        expect(
            handed_in == len(STUDENTS) * len(self.assignments),
            f"the instructor lists inbound/ as {own.stdout!r} {own.stderr!r}",
        )
        say(
            f"   submitted/ holds {students}; {student} cannot list inbound/, the instructor "
            f"sees {handed_in} submissions there"
        )

    def grade_outside_a_server(self) -> None:
        """``netcourse grade`` from a plain login shell (ssh, cron), on one submission."""
        probe = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "probe"
        student, assignment = list(STUDENTS)[1], self.assignments[0]
        as_user(INSTRUCTOR, ["mkdir", "-p", f"{probe}/submitted/{student}"])
        as_user(
            INSTRUCTOR,
            [
                "cp",
                "-r",
                str(self.root / "submitted" / student / assignment),
                f"{probe}/submitted/{student}/",
            ],
        )
        graded = as_user(
            INSTRUCTOR,
            [
                "netcourse",
                "grade",
                f"{probe}/submitted",
                "--jobs",
                "1",
                "--csv",
                f"{probe}/grades.csv",
                "--feedback",
                f"{probe}/feedback",
            ],
            cwd=self.root,
            check=False,
            timeout=600,
        )
        shutil.rmtree(probe)
        output = graded.stdout + graded.stderr
        expect(
            graded.returncode == 0, f"netcourse grade from a plain shell failed: {output[-1500:]}"
        )

    def grade(self) -> None:
        """Type ``netcourse grade`` into the instructor's JupyterLab terminal; check the scores."""
        command = (
            f"cd {self.root} && netcourse grade submitted --jobs {self.state['jobs']} "
            "--json grades.json --csv grades.csv --feedback feedback "
            "--gradebook gradebook.db"
        )
        say(f"   typed into {INSTRUCTOR}'s terminal: {command}")
        log = self.artifacts / "grade.log"
        status = type_in_terminal(self.instructor, command, GRADE_WAIT, log)
        text = log.read_text()
        expect(status == 0, f"netcourse grade exited {status}: {text[-1500:]}")
        grades = json.loads((self.root / "grades.json").read_text())
        expect(not grades.get("errors"), f"grading errors: {grades.get('errors')}")
        for name, kind in STUDENTS.items():
            per = grades["students"].get(name, {})
            for a in self.assignments:
                expect(a in per, f"{name}: no grade for {a}")
                expect(
                    per[a]["score"] == EXPECTED[kind][a],
                    f"{name} ({kind}) {a} scored {per[a]['score']}, expected {EXPECTED[kind][a]}",
                )
            self.scores[name] = {
                a: {"score": per[a]["score"], "max_score": per[a]["max_score"]}
                for a in self.assignments
            }
        say(
            f"   {[line for line in text.splitlines() if 'graded,' in line][-1:]}; "
            "every score as expected"
        )

    def compare_jobs(self, rounds: int) -> dict[str, list[float]]:
        """Grade the collected class again with --jobs 1 and --jobs 2, alternating, and time it.

        Side by side in one run, so that whatever else loads the machine weighs on both.
        The outputs are thrown away; the gradebook is not touched.
        """
        times: dict[str, list[float]] = {"1": [], "2": []}
        scratch = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "jobs-compare"
        for _ in range(rounds):
            for jobs in times:
                command = (
                    f"rm -rf {scratch} && mkdir {scratch} && cd {self.root} && netcourse grade "
                    f"submitted --jobs {jobs} --csv {scratch}/grades.csv --feedback "
                    f"{scratch}/feedback"
                )
                start = time.monotonic()
                status = type_in_terminal(
                    self.instructor, command, GRADE_WAIT, self.artifacts / f"jobs-{jobs}.log"
                )
                times[jobs].append(round(time.monotonic() - start, 1))
                expect(status == 0, f"netcourse grade --jobs {jobs} exited {status}")
        shutil.rmtree(scratch, ignore_errors=True)
        say("   " + "; ".join(f"--jobs {jobs}: {seen} s" for jobs, seen in times.items()))
        return times

    def formgrader_lists(self) -> dict:
        listed: dict = {}
        for a in self.assignments:
            for submission in self.formgrader("GET", f"/submissions/{a}"):
                listed.setdefault(submission["student"], {})[a] = {
                    key: submission.get(key) for key in ("score", "max_score", "autograded")
                }
        return listed

    def formgrader_lists_grades(self) -> dict:
        listed = self.formgrader_lists()
        (self.artifacts / "formgrader-as-graded.json").write_text(json.dumps(listed, indent=1))
        expect(
            not (gaps := formgrader_gaps(listed, self.scores)),
            f"the formgrader lists these wrongly: {gaps}",
        )
        say(
            "   the formgrader lists "
            + "; ".join(
                f"{s} "
                + ", ".join(
                    f"{a[:2]} {x['score']:g}/{x['max_score']:g}" for a, x in sorted(per.items())
                )
                for s, per in sorted(listed.items())
            )
        )
        return listed

    def release_feedback(self) -> None:
        gaps = feedback_gaps(self.root)
        expect(not gaps, f"feedback folders without {' or '.join(FEEDBACK_FILES)}: {gaps}")
        for a in self.assignments:
            nbgrader_value(
                self.formgrader("POST", f"/assignment/{a}/release_feedback"),
                f"release_feedback {a}",
            )
        feedback = EXCHANGE / self.course / "feedback"
        pages = list(feedback.iterdir())
        expect(
            len(pages) == len(STUDENTS) * len(self.assignments),
            f"the exchange's feedback/ holds {len(pages)} pages",
        )
        # feedback/ is 0711: a student reaches their own page by its hash, lists nothing
        student = list(STUDENTS)[-1]
        peek = as_user(student, ["ls", str(feedback)], check=False)
        expect("Permission denied" in peek.stderr, f"{student} can list feedback/: {peek.stdout}")
        say(f"   the exchange's feedback/ holds {len(pages)} pages; {student} cannot list it")

    # -- the students

    def hidden_test_detector_works(self) -> None:
        """The detector finds every hidden line in a page that shows them: the solution's."""
        from nbconvert import HTMLExporter

        for a in self.assignments:
            notebook = SRC / "solutions" / a / f"{a}.ipynb"
            page, _ = HTMLExporter().from_filename(str(notebook))
            lines = hidden_lines(SRC / "solutions", a)
            expect(
                lines and len(hidden_shown(page, lines)) == len(lines) + 1,
                f"the hidden-test detector misses lines of {a}'s solution page",
            )

    def fetch_feedback(self, name: str, kind: str) -> dict:
        """Fetch each assignment's feedback: it shows the score and no hidden test."""
        api, seen = self.servers[name], {}
        for a in self.assignments:
            api.post(
                "/assignments/fetch_feedback", json={"course_id": self.course, "assignment_id": a}
            )
            folders = [
                s["local_feedback_path"]
                for x in self.listed(name, a)
                for s in x.get("submissions", [])
                if s.get("has_local_feedback")
            ]
            expect(folders, f"{name}: no feedback fetched for {a}")
            folder = api.get(f"/api/contents/{folders[-1]}", params={"content": 1})
            pages = [x["path"] for x in folder["content"] if x["name"].endswith(".html")]
            expect(pages, f"{name}: the feedback folder {folders[-1]} has no page")
            page = api.get(
                f"/api/contents/{pages[0]}", params={"content": 1, "format": "text", "type": "file"}
            )["content"]
            (self.artifacts / "feedback").mkdir(exist_ok=True)
            (self.artifacts / "feedback" / f"{name}-{a}.html").write_text(page)
            shown = score_shown(page)
            expect(
                shown and shown[0] == EXPECTED[kind][a],
                f"{name}: the feedback on {a} shows the score {shown}, not {EXPECTED[kind][a]}",
            )
            lines = hidden_lines(SRC / "solutions", a)
            leaked = hidden_shown(page, lines)
            expect(not leaked, f"{name}: the feedback on {a} shows hidden tests: {leaked[:3]}")
            seen[a] = f"{shown[0]:g}/{shown[1]:g}, none of {len(lines)} hidden lines"
        say(f"   {name} fetched feedback: " + "; ".join(f"{a} {v}" for a, v in seen.items()))
        return seen

    def formgrader_in_browser(self) -> None:
        shots = self.artifacts / "browser"
        password = self.state["passwords"][INSTRUCTOR]
        with browser.logged_in(self.hub_url, INSTRUCTOR, password, shots) as page:
            rows = browser.formgrader_pages(
                page, self.instructor.base, list(STUDENTS), self.assignments[-1], shots
            )
        for name, kind in STUDENTS.items():
            total = sum(EXPECTED[kind].values())
            expect(f"{total:g} / " in rows[name], f"Manage Students shows {name} as {rows[name]}")
        say(
            f"   the formgrader's pages in Chromium: {'; '.join(rows.values())}; the "
            f"{self.assignments[-1]} gradebook lists {len(STUDENTS)} submissions"
        )


def round_trip(trip: Trip, result: dict) -> None:
    with step("hub API: a token for each user"):
        trip.tokens()
    with step(f"hub API: start {len(trip.servers)} servers"):
        trip.start_servers()
        trip.servers_run_as_their_users()
    with step("instructor: enrol the students (hub group, gradebook)"):
        trip.enrol()
    with step("instructor: generate and release (formgrader API)"):
        trip.release()
    first = next(iter(STUDENTS))
    with step(f"browser: {first} logs in and fetches {trip.assignments[0]}"):
        trip.fetch_in_browser(first)
    with step("students: fetch, answer, validate, submit (side by side)"):
        trip.hand_in_all(fetched={first: {trip.assignments[0]}})
    with step("instructor: collect (formgrader API)"):
        trip.collect()
    with step("instructor: netcourse grade from a plain shell (one submission)"):
        trip.grade_outside_a_server()
    with step("instructor: netcourse grade --gradebook, in a JupyterLab terminal"):
        trip.grade()
        result["scores"] = trip.scores
    if rounds := trip.state["compare_jobs"]:
        with step(f"instructor: netcourse grade --jobs 1 and 2, {rounds} rounds side by side"):
            result["compare_jobs"] = trip.compare_jobs(rounds)
    with step("instructor: the formgrader lists the grades"):
        result["formgrader"] = trip.formgrader_lists_grades()
    with step("instructor: release feedback (formgrader API)"):
        trip.release_feedback()
    with step("students: fetch feedback; the score shown, no hidden test"):
        trip.hidden_test_detector_works()
        result["feedback"] = {n: trip.fetch_feedback(n, k) for n, k in STUDENTS.items()}
    with step("browser: the instructor's formgrader pages"):
        trip.formgrader_in_browser()


def main() -> int:
    state = json.loads(STATE.read_text())
    continue_clock(state["elapsed"])
    trip = Trip(state)
    result: dict = {"ok": False, "times": TIMES}
    try:
        round_trip(trip, result)
        result["ok"] = True
    except Exception as exc:
        say(f"FAILED: {type(exc).__name__}: {exc}")
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        (trip.artifacts / "results.json").write_text(json.dumps(result, indent=1, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
