"""Finding notebooks in a submissions folder: nbgrader's layout, zips, and bad input."""

import zipfile
from pathlib import Path

import pytest

from netcourse.course.paths import Course
from netcourse.grading.submissions import discover

NB = "00-welcome.ipynb"


@pytest.fixture
def course(tmp_path) -> Course:
    root = tmp_path / "course"
    for assignment in ("00-welcome", "01-layers"):
        folder = root / "solutions" / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text("{}")
    (root / "nbgrader_config.py").write_text("")
    return Course(root)


def put(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)


def found(course, subs, tmp_path, assignments=("00-welcome",), explicit=True):
    discovery = discover(course, subs, list(assignments), explicit, tmp_path / "unzipped")
    return {(s.student, s.assignment): s for s in discovery.submissions}, discovery.warnings


def test_nbgrader_layout_and_zips_side_by_side(course, tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "00-welcome" / NB)
    make_zip(subs / "bob.zip", {f"notebooks/00-welcome/{NB}": "{}", "notes.txt": "x"})
    make_zip(subs / "cy.zip", {NB: "{}"})
    result, _ = found(course, subs, tmp_path)
    assert result["ann", "00-welcome"].notebooks[NB] == subs / "ann" / "00-welcome" / NB
    assert result["bob", "00-welcome"].notebooks[NB].read_text() == "{}"
    assert result["cy", "00-welcome"].problem is None
    for key in result:
        assert result[key].problem is None


def test_a_renamed_copy_alone_in_its_folder_is_graded(course, tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "00-welcome" / "00-welcome-Copy1.ipynb")
    result, _ = found(course, subs, tmp_path)
    assert result["ann", "00-welcome"].notebooks[NB].name == "00-welcome-Copy1.ipynb"


def test_checkpoints_are_never_graded(course, tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "00-welcome" / ".ipynb_checkpoints" / "00-welcome-checkpoint.ipynb")
    put(subs / "ann" / ".ipynb_checkpoints" / NB)
    result, _ = found(course, subs, tmp_path)
    assert result["ann", "00-welcome"].problem.startswith("nothing to grade for 00-welcome")


def test_empty_folders_bad_zips_and_stray_files_are_reported(course, tmp_path):
    subs = tmp_path / "subs"
    (subs / "empty").mkdir(parents=True)
    put(subs / "broken.zip", "this is not a zip")
    put(subs / "README.txt", "hello")
    put(subs / ".DS_Store", "")
    result, warnings = found(course, subs, tmp_path, explicit=False)
    assert "no notebook of any course assignment" in result["empty", ""].problem
    assert "not a readable zip file" in result["broken", ""].problem
    assert warnings == ["ignored README.txt: not a student folder or a .zip file"]
    result, _ = found(course, subs, tmp_path, explicit=True)
    assert result["empty", "00-welcome"].problem == "no notebook"


def test_a_student_with_both_a_folder_and_a_zip_is_not_guessed(course, tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "00-welcome" / NB)
    make_zip(subs / "ann.zip", {NB: "{}"})
    result, _ = found(course, subs, tmp_path)
    assert "both a folder and a zip" in result["ann", ""].problem
    assert ("ann", "00-welcome") not in result


def test_zip_entries_cannot_escape_the_scratch_folder(course, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    make_zip(subs / "eve.zip", {"../../escaped.ipynb": "{}", f"00-welcome/{NB}": "{}"})
    result, _ = found(course, subs, tmp_path)
    assert result["eve", "00-welcome"].problem is None
    assert not list(tmp_path.rglob("escaped.ipynb"))


def test_ambiguous_candidates_are_a_problem_not_a_guess(course, tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "a" / NB)
    put(subs / "ann" / "b" / NB)
    result, _ = found(course, subs, tmp_path)
    assert "several candidates" in result["ann", "00-welcome"].problem


def test_without_explicit_assignments_only_what_is_there_is_graded(course, tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "01-layers" / "01-layers.ipynb")
    result, _ = found(
        course, subs, tmp_path, assignments=("00-welcome", "01-layers"), explicit=False
    )
    assert set(result) == {("ann", "01-layers")}
    result, _ = found(course, subs, tmp_path, assignments=("00-welcome", "01-layers"))
    assert result["ann", "00-welcome"].problem == "no notebook"
