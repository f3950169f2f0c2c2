"""The flake soak in its short form: one loaded run over every suite, sampled."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from .conftest import ROOT

SOAK = ROOT / "autograder" / "soak.py"


def load_soak():
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_one_loaded_run_has_no_false_results():
    # A process of its own: threads that wrong servers leave behind end with it.
    result = subprocess.run(
        [sys.executable, str(SOAK), "--runs", "1", "--sample", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "run 1/1:" in result.stdout
    assert "false failures: 0" in result.stdout and "false passes: 0" in result.stdout
    checks = int(result.stdout.split(" checks\n")[0].rsplit(" ", 1)[-1])
    assert checks > 100, result.stdout


def test_a_sample_spreads_over_the_corpus_and_keeps_every_reference():
    soak = load_soak()
    suite = soak.make_suites(["pool"])["pool"]
    sample = soak.sampled(suite, 3)
    assert sample.references == suite.references
    assert len(sample.wrong) == 3 and all(w in suite.wrong for w in sample.wrong)
    assert sample.wrong[0] == suite.wrong[0] and sample.wrong[-1] != suite.wrong[-1]
    assert soak.sampled(suite, None) is suite


def test_an_unknown_suite_is_named():
    soak = load_soak()
    with pytest.raises(SystemExit, match="no such suite: echos"):
        soak.make_suites(["echos"])
