"""nbgrader's preprocessor lists as the course runs them (plain nbgrader and netcourse grade).

nbgrader_config.py uses these for plain ``nbgrader autograde`` and
``generate_feedback``; the grading workers set them again on every scratch
course, so what grading trusts does not depend on a config file.
"""

from __future__ import annotations

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import Execute, GetGrades, SaveAutoGrades

from .execute import BudgetedExecute
from .feedback import HideHiddenTests
from .scoring import StrictSaveAutoGrades


def autograde_steps(execute: type[Execute] = BudgetedExecute) -> list[type]:
    """nbgrader's autograde steps with ``execute`` and the course's scoring rule in them."""
    swaps = {Execute: execute, BudgetedExecute: execute, SaveAutoGrades: StrictSaveAutoGrades}
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [swaps.get(step, step) for step in default]


# Feedback shows scores and the checks' messages but nothing of the instructor's;
# HTMLExporter.sanitize_html must be on as well (nbconvert's own sanitizer).
FEEDBACK_STEPS = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
