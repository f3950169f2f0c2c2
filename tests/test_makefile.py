"""The Makefile never reuses a venv that another Python made, even of the same version."""

import subprocess
import sys

from .conftest import ROOT


def make_dry_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(ROOT), *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_venv_of_another_python_stops_make_with_what_to_do(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /opt/another-python/bin\nversion = 3.11.0\n")
    result = make_dry_run("lab", f"VENV={venv}", f"PYTHON={sys.executable}")
    assert result.returncode != 0
    assert f"{venv} was made by the Python in /opt/another-python/bin" in result.stderr
    assert "make clean-venv" in result.stderr
    assert make_dry_run("clean-venv", f"VENV={venv}", f"PYTHON={sys.executable}").returncode == 0


def test_a_venv_of_this_python_is_used():
    result = make_dry_run("lab", f"VENV={sys.prefix}", f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert f"{sys.prefix}/bin/netcourse lab" in result.stdout
