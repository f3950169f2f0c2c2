"""The environment check: every line has a verdict, and a broken machine is reported as such."""

import socket
from importlib import metadata

import pytest

from netcourse.tools import doctor as doctor_module
from netcourse.tools.doctor import FAIL, OK, WARN, Finding, doctor


def test_this_machine_is_ready():
    report = doctor()
    names = [f.name for f in report.findings]
    for expected in ("python", "build", "nbgrader", "tcp 127.0.0.1", "udp 127.0.0.1", "open files"):
        assert expected in names
    assert report.ok, str(report)
    assert str(report).splitlines()[-1] == "verdict: ready"
    assert "<table>" in report._repr_html_()


def test_a_missing_or_old_package_fails(monkeypatch):
    real_version = metadata.version

    def fake_version(name):
        if name == "nbgrader":
            return "0.9.5"
        if name == "gevent":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(doctor_module.metadata, "version", fake_version)
    findings = {f.name: f for f in doctor_module.check_packages()}
    assert (
        findings["nbgrader"].verdict == FAIL
        and "needs nbgrader>=0.9.6" in findings["nbgrader"].detail
    )
    assert findings["gevent"].verdict == FAIL and "missing" in findings["gevent"].detail
    assert findings["jupyterlab"].verdict == OK


def test_a_low_open_file_limit_warns(monkeypatch):
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, 1024))
    finding = doctor_module.check_open_files()
    assert finding.verdict == WARN and "ulimit -n" in finding.detail


def test_no_loopback_is_a_failure_for_ipv4_and_a_warning_for_ipv6(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("Address family not supported")

    monkeypatch.setattr(doctor_module.socket, "create_server", refuse)
    assert doctor_module.check_tcp(socket.AF_INET, "127.0.0.1").verdict == FAIL
    assert doctor_module.check_tcp(socket.AF_INET6, "::1").verdict == WARN


def test_the_start_method_is_not_fixed_by_asking(monkeypatch):
    import multiprocessing

    before = multiprocessing.get_start_method(allow_none=True)
    finding = doctor_module.check_start_method()
    assert finding.verdict == OK
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_a_failing_line_makes_the_report_not_ready():
    report = doctor_module.DoctorReport((Finding("x", OK, ""), Finding("y", FAIL, "broken")))
    assert not report.ok
    assert "NOT ready" in str(report)
