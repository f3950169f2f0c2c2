"""A submission that rewrites the course package on disk is undone and named."""

from netcourse.grading.integrity import PackageSnapshot


def test_changed_deleted_and_added_sources_are_restored(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub" / "b.py").write_text("B = 2\n")
    snapshot = PackageSnapshot(package)
    assert snapshot.restore() == []
    (package / "a.py").write_text("A = 'hacked'\n")
    (package / "sub" / "b.py").unlink()
    (package / "sub" / "evil.py").write_text("import os\n")
    assert sorted(snapshot.restore()) == ["a.py", "sub/b.py", "sub/evil.py"]
    assert (package / "a.py").read_text() == "A = 1\n"
    assert (package / "sub" / "b.py").read_text() == "B = 2\n"
    assert not (package / "sub" / "evil.py").exists()
