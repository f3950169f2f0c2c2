"""``netcourse doctor``: is this machine ready for the course?"""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check that this machine can run the course",
        description="Check Python, the packages, loopback networking and the limits "
        "the course relies on.",
    )
    doctor.set_defaults(func=_doctor)


def _doctor(args: argparse.Namespace, extra: list[str]) -> int:
    from ..tools.doctor import doctor

    report = doctor()
    print(report)
    return 0 if report.ok else 1
