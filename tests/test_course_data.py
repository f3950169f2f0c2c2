"""Files an assignment ships beside its notebook are copies of data/, kept byte for byte."""

import filecmp
import importlib.util

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


def test_every_scenario_of_the_capture_script_has_its_capture():
    spec = importlib.util.spec_from_file_location("capture_loopback", DATA / "capture_loopback.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    recorded = sorted(f"{name}.pcap" for name in script.SCENARIOS)
    assert recorded == sorted(path.name for path in DATA.glob("*.pcap"))
