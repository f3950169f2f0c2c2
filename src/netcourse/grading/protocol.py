"""The messages between ``netcourse grade`` and its grading workers, one JSON line each.

The grader sends a request on the worker's stdin and reads one reply on its
stdout. Each message is a dataclass here, so both sides agree on its fields;
:func:`encode` and :func:`decode` turn them into lines and back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .limits import KernelLimits

GRADEBOOK = "gradebook.db"  # every scratch course's own gradebook, in its root


@dataclass(frozen=True)
class Generate:
    """Record an assignment's source in the gradebook of the course at ``root``."""

    root: str
    assignment: str


@dataclass(frozen=True)
class Autograde:
    """Autograde one student's submission in the scratch course at ``root``."""

    root: str
    assignment: str
    student: str
    feedback: bool  # also write the feedback pages
    budget: float  # seconds for the whole notebook
    cell_timeout: float | None  # None: nbgrader_config.py's Execute.timeout
    sandboxed: bool = True  # each kernel in a sandbox of its own (sandbox.py)
    limits: KernelLimits = field(default_factory=KernelLimits)


@dataclass(frozen=True)
class Generated:
    """What an assignment's source is worth, cell by cell; ``error`` when it could not be read."""

    error: str | None = None
    course_id: str = ""
    max_score: float = 0.0
    cells: dict[str, float] = field(default_factory=dict)  # test cell grade id -> points
    grade_ids: list[str] = field(default_factory=list)  # every nbgrader cell of the source


@dataclass(frozen=True)
class Scores:
    score: float
    cells: dict[str, tuple[float, float]]  # grade id -> (score, points)


@dataclass(frozen=True)
class Autograded:
    """A submission's scores (None when nbgrader recorded none), a one-line error, and more.

    Nothing in a reply names a path: the grader knows where the scratch course
    keeps the feedback, and takes nothing else from the worker.
    """

    scores: Scores | None = None
    error: str | None = None
    feedback: bool = False  # its feedback pages were written
    # test cells nbgrader alone would have passed, which the scoring rule fails, and why
    overruled: dict[str, list[str]] = field(default_factory=dict)


REQUESTS = {cls.__name__: cls for cls in (Generate, Autograde)}
REPLIES = {cls.__name__: cls for cls in (Generated, Autograded)}


def encode(message: Any) -> str:
    """One JSON line: the message's type and fields."""
    return json.dumps({"type": type(message).__name__, **asdict(message)}) + "\n"


def decode(line: str, kinds: dict[str, type]) -> Any:
    """The message a line of :func:`encode` holds; ValueError for anything else."""
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("type") not in kinds:
        raise ValueError(f"not a message of this protocol: {line[:80]!r}")
    cls = kinds[data.pop("type")]
    names = {f.name for f in fields(cls)}
    if set(data) != names:
        raise ValueError(f"{cls.__name__} has the fields {sorted(names)}, not {sorted(data)}")
    if cls is Autograde:
        data["limits"] = KernelLimits(**data["limits"])
    if cls is Autograded and data["scores"] is not None:
        scores = data["scores"]
        data["scores"] = Scores(scores["score"], {k: tuple(v) for k, v in scores["cells"].items()})
    return cls(**data)
