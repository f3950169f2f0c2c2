"""``netcourse grade``: a class graded through nbgrader, side by side, each student sandboxed."""

from __future__ import annotations

import json
import queue
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..course.nbgrader import NbgraderError, make_scratch_course
from ..course.paths import Course
from ..errors import UsageError
from .gradebook import record_outcomes
from .limits import KernelLimits
from .progress import Progress
from .protocol import GRADEBOOK, Generate
from .results import Outcome
from .review import course_lines
from .runner import AssignmentInfo, GradingSetup, grade_student
from .scratch import WORKERS_DIR, ScratchFolder
from .submissions import NO_NOTEBOOK, Submission, discover
from .worker_client import NbgraderWorker, WorkerError, stop_all


@dataclass(frozen=True)
class GradeOptions:
    submissions: Path
    assignments: list[str]  # as named on the command line; empty means all
    jobs: int
    timeout: float
    feedback_dir: Path | None
    keep_scratch: bool = False
    limits: KernelLimits = field(default_factory=KernelLimits)
    cell_timeout: float | None = None
    gradebook: str | None = None  # also record the scores here: a SQLite file or a URL
    autograded_dir: Path | None = None  # also keep the graded notebooks here (formgrader)
    sandboxed: bool = True  # False: --unsandboxed


def _check_options(course: Course, options: GradeOptions) -> list[str]:
    if not options.submissions.is_dir():
        raise UsageError(f"no such folder: {options.submissions}")
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {options.jobs}")
    outputs = {"--feedback": options.feedback_dir, "--autograded": options.autograded_dir}
    for flag, folder in outputs.items():
        if folder is not None and folder.resolve().is_relative_to(options.submissions.resolve()):
            raise UsageError(f"{flag} must not lie inside SUBMISSIONS: submissions stay untouched")
    if options.sandboxed:
        _check_sandbox(course, options)
    return course.check_assignments(options.assignments)


def _check_sandbox(course: Course, options: GradeOptions) -> None:
    """Refuse, in one line, to grade where sandboxes cannot run or could see too much."""
    from .sandbox import exposed, unavailable

    reason = unavailable()
    if reason:
        raise UsageError(
            f"{reason}; --unsandboxed grades without a sandbox, for submissions you trust"
        )
    places = [course.source, options.submissions, Path(tempfile.gettempdir())]
    for path, bound in exposed(places):
        raise UsageError(
            f"{path} lies inside {bound}, which every grading sandbox sees (the Python "
            "environment): move one of them"
        )


def every_pair(submissions: list[Submission], assignments: list[str]) -> list[Submission]:
    """One submission per student and assignment: what was found, else why there is none."""
    found = {(s.student, s.assignment): s for s in submissions if s.assignment}
    whole = {s.student: s.problem for s in submissions if not s.assignment}
    if not assignments:
        return [s for s in submissions if not s.assignment]
    return [
        found.get((student, a)) or Submission(student, a, problem=whole.get(student, NO_NOTEBOOK))
        for student in sorted({s.student for s in submissions})
        for a in assignments
    ]


def _generate(
    worker: NbgraderWorker, course: Course, base: Path, assignment: str, timeout: float
) -> AssignmentInfo:
    """Put an assignment's source into the base gradebook; return what it is worth."""
    try:
        reply = worker.request(Generate(str(base), assignment), timeout=timeout)
    except WorkerError as exc:
        raise NbgraderError(f"generate_assignment {assignment}: {exc}") from None
    if reply.error:
        raise NbgraderError(f"generate_assignment {assignment}: {reply.error}")
    notebooks = [
        json.loads(path.read_text(encoding="utf-8"))
        for folder in (course.source, course.release)
        for path in sorted((folder / assignment).glob("*.ipynb"))
    ]
    return AssignmentInfo(
        reply.max_score,
        reply.cells,
        frozenset(reply.grade_ids),
        reply.course_id,
        course_lines(notebooks),
    )


def grade_class(
    course: Course, options: GradeOptions, progress: Progress | None = None
) -> list[Outcome]:
    """Grade every submission found; a submission that fails is reported, never fatal."""
    progress = progress or Progress(None)
    assignments = _check_options(course, options)
    explicit = bool(options.assignments)
    with ScratchFolder(keep=options.keep_scratch) as scratch:
        if options.keep_scratch:
            progress.note(f"scratch course kept in {scratch}")
        discovery = discover(
            course, options.submissions, assignments, explicit, scratch / "unzipped"
        )
        for warning in discovery.warnings:
            progress.note(f"warning: {warning}")
        found = sorted({s.assignment for s in discovery.submissions if s.assignment})
        submissions = every_pair(discovery.submissions, assignments if explicit else found)
        wanted = sorted({s.assignment for s in submissions if s.assignment})
        outcomes = [Outcome(s.student, "", error=s.problem)
                    for s in submissions if not s.assignment]  # fmt: skip
        if not wanted:
            return outcomes
        by_student: dict[str, list[Submission]] = {}
        for s in submissions:
            if s.assignment:
                by_student.setdefault(s.student, []).append(s)
        homes = [scratch / WORKERS_DIR / str(i) for i in range(min(options.jobs, len(by_student)))]
        workers = [NbgraderWorker(home) for home in homes]
        sandbox = "each in a sandbox of its own" if options.sandboxed else "UNSANDBOXED"
        progress.note(
            f"{len(submissions)} submissions of {len(by_student)} students, {len(workers)} at "
            f"a time, {sandbox}; preparing {', '.join(wanted)}"
        )
        try:
            for worker in workers:
                worker.start()
            base = make_scratch_course(course, wanted, scratch / "base")
            setup = GradingSetup(
                base=base,
                students_dir=scratch / "students",
                assignments={
                    a: _generate(workers[0], course, base, a, options.timeout) for a in wanted
                },
                timeout=options.timeout,
                feedback_dir=options.feedback_dir,
                limits=options.limits,
                cell_timeout=options.cell_timeout,
                sandboxed=options.sandboxed,
                autograded_dir=options.autograded_dir,
            )
            outcomes += _run_jobs(setup, workers, by_student, progress)
        finally:
            stop_all()
        if options.gradebook is not None:
            course_id = next(iter(setup.assignments.values())).course_id
            count = record_outcomes(options.gradebook, base / GRADEBOOK, course_id, outcomes)
            progress.note(f"{count} submissions recorded in {options.gradebook}")
    return outcomes


def _run_jobs(
    setup: GradingSetup,
    workers: list[NbgraderWorker],
    by_student: dict[str, list[Submission]],
    progress: Progress,
) -> list[Outcome]:
    """Grade the students side by side, one worker process per job slot."""
    idle: queue.Queue[NbgraderWorker] = queue.Queue()
    for worker in workers:
        idle.put(worker)

    def job(student: str) -> list[Outcome]:
        worker = idle.get()
        try:
            return grade_student(setup, worker, student, by_student[student], progress)
        finally:
            idle.put(worker)

    outcomes: list[Outcome] = []
    pool = ThreadPoolExecutor(max_workers=len(workers), thread_name_prefix="grade")
    progress.begin(sum(len(subs) for subs in by_student.values()))
    try:
        futures = {pool.submit(job, student): student for student in sorted(by_student)}
        for future in as_completed(futures):
            student = futures[future]
            try:
                outcomes += future.result()
            except Exception as exc:  # a bug of ours must not cost the rest of the class
                reason = f"internal error while grading: {type(exc).__name__}: {exc}"
                for s in by_student[student]:
                    info = setup.assignments[s.assignment]
                    outcomes.append(Outcome(student, s.assignment, max_score=info.max_score,
                                            error=reason))  # fmt: skip
                    progress.finished(outcomes[-1])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        raise
    finally:
        progress.end()
    pool.shutdown()
    return outcomes
