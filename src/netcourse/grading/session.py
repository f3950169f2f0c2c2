"""What the grader hands one grading kernel: a key, its test cells, limits, a control group."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .limits import KernelLimits

SESSION_VARIABLE = "NETCOURSE_GRADING_SESSION"


@dataclass(frozen=True)
class Session:
    """What one grading kernel needs to know, handed over in a file only the grader can read."""

    key: bytes
    test_cells: frozenset[str]
    limits: KernelLimits
    cgroup: str | None  # the pids control group to join (root graders on Linux)

    @classmethod
    def new(cls, test_cells: frozenset[str], limits: KernelLimits, cgroup: str | None) -> Session:
        return cls(secrets.token_bytes(32), test_cells, limits, cgroup)

    def write(self, path: Path) -> None:
        data = {
            "key": self.key.hex(),
            "test_cells": sorted(self.test_cells),
            "limits": self.limits.as_dict(),
            "cgroup": self.cgroup,
        }
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(data, stream)

    @classmethod
    def take(cls, path: Path) -> Session:
        """Read the session file and delete it, so student code never sees the key."""
        data = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
        return cls(
            bytes.fromhex(data["key"]),
            frozenset(data["test_cells"]),
            KernelLimits(**data["limits"]),
            data["cgroup"],
        )
