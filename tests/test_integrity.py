"""A submission that rewrites the course package on disk is undone and named."""

from netcourse.grading.integrity import PackageSnapshot, private_copy


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
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"planted")
    assert sorted(snapshot.restore()) == ["__pycache__", "a.py", "sub/b.py", "sub/evil.py"]
    assert (package / "a.py").read_text() == "A = 1\n"
    assert (package / "sub" / "b.py").read_text() == "B = 2\n"
    assert not (package / "sub" / "evil.py").exists()
    assert not (package / "__pycache__").exists()


def test_a_private_copy_holds_the_whole_package(tmp_path):
    path = private_copy(tmp_path)
    assert (path / "netcourse" / "checks" / "harness" / "core.py").is_file()
    assert not list(path.rglob("__pycache__"))
