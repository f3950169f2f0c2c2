"""Files an assignment ships beside its notebook are copies of data/, kept byte for byte."""

import filecmp

from .conftest import ROOT

DATA = ROOT / "data"
SHIPPED = sorted(
    path for tree in ("solutions", "notebooks") for path in (ROOT / tree).glob("*/*.pcap")
)


def test_every_shipped_capture_is_a_copy_of_data():
    assert SHIPPED, "no assignment ships a capture"
    for path in SHIPPED:
        original = DATA / path.name
        assert original.is_file(), f"{path.relative_to(ROOT)} has no original in data/"
        assert filecmp.cmp(path, original, shallow=False), (
            f"{path.relative_to(ROOT)} differs from data/{path.name}: copy it again"
        )


def test_every_capture_in_data_has_a_readme_entry():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for path in DATA.glob("*.pcap"):
        assert f"`{path.name}`" in readme
