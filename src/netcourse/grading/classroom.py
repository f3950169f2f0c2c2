"""``netcourse grade``: a class graded through nbgrader, side by side, in scratch space."""

from __future__ import annotations

import contextlib
import queue
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..course.nbgrader import NbgraderError, make_scratch_course
from ..course.paths import Course
from ..errors import UsageError
from .gradebook import record_outcomes
from .limits import KernelLimits
from .protocol import Generate
from .results import Outcome
from .runner import GRADEBOOK, AssignmentInfo, GradingSetup, grade_student
from .submissions import Submission, discover
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


def _check_options(course: Course, options: GradeOptions) -> list[str]:
    if not options.submissions.is_dir():
        raise UsageError(f"no such folder: {options.submissions}")
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {options.jobs}")
    if options.feedback_dir is not None:
        feedback = options.feedback_dir.resolve()
        if feedback.is_relative_to(options.submissions.resolve()):
            raise UsageError(
                "--feedback must not lie inside SUBMISSIONS: submissions stay untouched"
            )
    return course.check_assignments(options.assignments)


def _expand(
    submissions: list[Submission], assignments: list[str], explicit: bool
) -> list[Submission]:
    """A problem found for a whole student counts against each assignment asked for."""
    expanded = []
    for s in submissions:
        if s.assignment or not explicit:
            expanded.append(s)
        else:
            expanded += [Submission(s.student, a, problem=s.problem) for a in assignments]
    return expanded


def _generate(
    worker: NbgraderWorker, base: Path, assignment: str, timeout: float
) -> AssignmentInfo:
    """Put an assignment's source into the base gradebook; return what it is worth."""
    try:
        reply = worker.request(Generate(str(base), assignment), timeout=timeout)
    except WorkerError as exc:
        raise NbgraderError(f"generate_assignment {assignment}: {exc}") from None
    if reply.error:
        raise NbgraderError(f"generate_assignment {assignment}: {reply.error}")
    return AssignmentInfo(reply.max_score, reply.cells, frozenset(reply.grade_ids), reply.course_id)


def grade_class(
    course: Course, options: GradeOptions, log: Callable[[str], None] = print
) -> list[Outcome]:
    """Grade every submission found; a submission that fails is reported, never fatal."""
    assignments = _check_options(course, options)
    explicit = bool(options.assignments)
    scratch_dir = (
        contextlib.nullcontext(tempfile.mkdtemp(prefix="netcourse-grade-"))
        if options.keep_scratch
        else tempfile.TemporaryDirectory(prefix="netcourse-grade-")
    )
    with scratch_dir as tmp:
        scratch = Path(tmp)
        if options.keep_scratch:
            log(f"scratch course kept in {scratch}")
        discovery = discover(
            course, options.submissions, assignments, explicit, scratch / "unzipped"
        )
        for warning in discovery.warnings:
            log(f"warning: {warning}")
        submissions = _expand(discovery.submissions, assignments, explicit)
        outcomes = [
            Outcome(s.student, "", error=s.problem) for s in submissions if not s.assignment
        ]
        by_student: dict[str, list[Submission]] = {}
        for s in submissions:
            if s.assignment:
                by_student.setdefault(s.student, []).append(s)
        if not by_student:
            return outcomes
        workers = [NbgraderWorker(scratch / "workers" / str(i)) for i in range(options.jobs)]
        try:
            for worker in workers:
                worker.start()
            wanted = sorted({s.assignment for subs in by_student.values() for s in subs})
            base = make_scratch_course(course, wanted, scratch / "base")
            setup = GradingSetup(
                base=base,
                students_dir=scratch / "students",
                assignments={a: _generate(workers[0], base, a, options.timeout) for a in wanted},
                timeout=options.timeout,
                feedback_dir=options.feedback_dir,
                limits=options.limits,
                cell_timeout=options.cell_timeout,
            )
            outcomes += _run_jobs(setup, workers, by_student)
        finally:
            stop_all()
        if options.gradebook is not None:
            course_id = next(iter(setup.assignments.values())).course_id
            count = record_outcomes(options.gradebook, base / GRADEBOOK, course_id, outcomes)
            log(f"{count} submissions recorded in {options.gradebook}")
    return outcomes


def _run_jobs(
    setup: GradingSetup, workers: list[NbgraderWorker], by_student: dict[str, list[Submission]]
) -> list[Outcome]:
    """Grade the students side by side, one worker process per job slot."""
    idle: queue.Queue[NbgraderWorker] = queue.Queue()
    for worker in workers:
        idle.put(worker)

    def job(student: str) -> list[Outcome]:
        worker = idle.get()
        try:
            return grade_student(setup, worker, student, by_student[student])
        finally:
            idle.put(worker)

    outcomes: list[Outcome] = []
    pool = ThreadPoolExecutor(max_workers=len(workers), thread_name_prefix="grade")
    try:
        futures = {pool.submit(job, student): student for student in sorted(by_student)}
        with tqdm(total=len(futures), unit="student", desc="grading", leave=False) as bar:
            for future in as_completed(futures):
                student = futures[future]
                try:
                    outcomes += future.result()
                except Exception as exc:  # a bug of ours must not cost the rest of the class
                    reason = f"internal error while grading: {type(exc).__name__}: {exc}"
                    outcomes += [
                        Outcome(
                            student,
                            s.assignment,
                            max_score=setup.assignments[s.assignment].max_score,
                            error=reason,
                        )
                        for s in by_student[student]
                    ]
                bar.set_postfix_str(student)
                bar.update()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        raise
    pool.shutdown()
    return outcomes
