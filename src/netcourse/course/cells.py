"""What nbgrader's metadata says a notebook cell is, written once for the whole package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def nbgrader_meta(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    """The cell's nbgrader metadata (empty for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell: Mapping[str, Any]) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_test_cell(cell: Mapping[str, Any]) -> bool:
    """An autograder test cell: graded code that is not an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")
