"""Checks for the address questions of 01: ``subnet_facts`` and ``address_kind``.

``subnet_facts`` describes an IPv4 subnet given in CIDR notation (host bits may
be set); ``address_kind`` sorts an IPv4 or IPv6 address into the special
ranges a network programmer meets. The checks probe boundaries, where the
usual mistakes live: off-by-one host counts, network and broadcast addresses
mixed up, ``strict=False`` forgotten, /12 remembered as /16.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from .harness.core import (
    CheckFailure,
    Checklist,
    Report,
    call_student,
    describe_call,
    fault_of,
)

SubnetFacts = Callable[[str], dict]
AddressKind = Callable[[str], str]
SUBNET_CHECKS: Checklist[SubnetFacts] = Checklist("subnet_facts")
ADDRESS_CHECKS: Checklist[AddressKind] = Checklist("address_kind")

SUBNET_KEYS = ("network", "netmask", "broadcast", "first_host", "last_host", "usable_hosts")
KINDS = ("unspecified", "loopback", "link-local", "multicast", "private", "shared", "other")
IPV4 = ipaddress.IPv4Address


def _facts(subnet_facts: SubnetFacts, cidr: str) -> dict:
    result = call_student(
        subnet_facts,
        cidr,
        name="subnet_facts",
        hints={
            ValueError: "the address has host bits set; ipaddress.ip_network(cidr, "
            "strict=False) accepts it and gives the network it belongs to"
        },
    )
    if not isinstance(result, dict):
        raise fault_of(
            "returns-dict",
            f"subnet_facts({cidr!r}) returned a {type(result).__name__}; it should return a dict",
        )
    missing = [key for key in SUBNET_KEYS if key not in result]
    if missing:
        raise fault_of(
            "returns-dict",
            f"subnet_facts({cidr!r}) returned a dict without {', '.join(map(repr, missing))}",
        )
    return result


def _same(
    cidr: str, key: str, found: Any, expected: Any, hints: dict[Any, str], owner: str = ""
) -> None:
    """Fail unless ``found`` is ``expected``. A value of the wrong type is returns-dict's
    fault; ``owner`` names the check whose value this is when it is not the running one's."""
    if type(found) is type(expected) and found == expected:
        return
    hint = next((text for value, text in hints.items() if found == value), "")
    message = f"subnet_facts({cidr!r})[{key!r}] is {found!r}: " + (
        f"{hint}; expected {expected!r}" if hint else f"expected {expected!r}"
    )
    if type(found) is not type(expected):
        raise fault_of("returns-dict", message)
    raise fault_of(owner, message) if owner else CheckFailure(message)


@SUBNET_CHECKS.check("returns-dict")
def _returns_dict(subnet_facts: SubnetFacts) -> None:
    result = _facts(subnet_facts, "192.168.10.0/24")
    extra = [key for key in result if key not in SUBNET_KEYS]
    if extra:
        raise CheckFailure(f"unexpected keys {extra}: the keys are exactly {SUBNET_KEYS}")
    types = {
        "network": ipaddress.IPv4Network,
        "netmask": IPV4,
        "broadcast": IPV4,
        "first_host": IPV4,
        "last_host": IPV4,
        "usable_hosts": int,
    }
    for key, kind in types.items():
        if type(result[key]) is not kind:
            wanted = "an int" if kind is int else f"an ipaddress.{kind.__name__}"
            raise CheckFailure(
                f"{key} is a {type(result[key]).__name__} ({result[key]!r}); return {wanted}"
            )


@SUBNET_CHECKS.check("network-and-mask")
def _network_and_mask(subnet_facts: SubnetFacts) -> None:
    for cidr, mask in (("192.168.10.0/24", "255.255.255.0"), ("10.20.0.0/14", "255.252.0.0")):
        result = _facts(subnet_facts, cidr)
        network = ipaddress.IPv4Network(cidr)
        _same(cidr, "network", result["network"], network, {})
        _same(
            cidr,
            "netmask",
            result["netmask"],
            IPV4(mask),
            {network.hostmask: "that is the host mask (the inverse): use network.netmask"},
        )


@SUBNET_CHECKS.check("host-bits-set")
def _host_bits_set(subnet_facts: SubnetFacts) -> None:
    cidr = "192.168.10.77/24"
    result = _facts(subnet_facts, cidr)
    _same(cidr, "network", result["network"], ipaddress.IPv4Network("192.168.10.0/24"), {})
    _same(cidr, "broadcast", result["broadcast"], IPV4("192.168.10.255"), {}, owner="broadcast")


@SUBNET_CHECKS.check("broadcast")
def _broadcast(subnet_facts: SubnetFacts) -> None:
    for cidr, broadcast in (
        ("192.168.10.0/24", "192.168.10.255"),
        ("10.20.0.0/14", "10.23.255.255"),
    ):
        network = ipaddress.IPv4Network(cidr)
        _same(
            cidr,
            "broadcast",
            _facts(subnet_facts, cidr)["broadcast"],
            IPV4(broadcast),
            {
                network.network_address: "that is the network address, the first one; the "
                "broadcast address is the last one"
            },
        )


@SUBNET_CHECKS.check("first-and-last-host")
def _first_and_last(subnet_facts: SubnetFacts) -> None:
    for cidr, first, last in (
        ("192.168.10.0/24", "192.168.10.1", "192.168.10.254"),
        ("10.20.0.0/14", "10.20.0.1", "10.23.255.254"),
        ("172.16.5.4/30", "172.16.5.5", "172.16.5.6"),
    ):
        network = ipaddress.IPv4Network(cidr)
        result = _facts(subnet_facts, cidr)
        _same(
            cidr,
            "first_host",
            result["first_host"],
            IPV4(first),
            {
                network.network_address: "the network address names the subnet itself; "
                "the first host is the one after it"
            },
        )
        _same(
            cidr,
            "last_host",
            result["last_host"],
            IPV4(last),
            {
                network.broadcast_address: "the broadcast address reaches every host; the last "
                "host is the one before it"
            },
        )


@SUBNET_CHECKS.check("usable-hosts")
def _usable_hosts(subnet_facts: SubnetFacts) -> None:
    for cidr, count in (("192.168.10.0/24", 254), ("10.20.0.0/14", 262142), ("172.16.5.4/30", 2)):
        total = ipaddress.IPv4Network(cidr).num_addresses
        _same(
            cidr,
            "usable_hosts",
            _facts(subnet_facts, cidr)["usable_hosts"],
            count,
            {
                total: "that counts every address; the network and broadcast addresses are "
                "not usable by hosts: subtract 2",
                total - 1: "off by one: two addresses are reserved, the network and the "
                "broadcast address",
                total - 3: "off by one: only two addresses are reserved",
            },
        )


@SUBNET_CHECKS.check("point-to-point")
def _point_to_point(subnet_facts: SubnetFacts) -> None:
    cases = (
        ("198.51.100.6/31", "198.51.100.6", "198.51.100.7", 2),
        ("198.51.100.9/32", "198.51.100.9", "198.51.100.9", 1),
    )
    for cidr, first, last, count in cases:
        result = _facts(subnet_facts, cidr)
        why = (
            "a /31 has no network or broadcast address (RFC 3021, point-to-point links): both "
            "addresses are hosts"
            if count == 2
            else "a /32 is a single host address"
        )
        for key, expected, owner in (
            ("usable_hosts", count, "usable-hosts"),
            ("first_host", IPV4(first), "first-and-last-host"),
            ("last_host", IPV4(last), "first-and-last-host"),
        ):
            # A count or a host that is wrong for every subnet is that check's fault (and
            # a value of the wrong type returns-dict's): only if those passed, this one's.
            hint = f"{why} (this is what network.hosts() yields)"
            _same(cidr, key, result[key], expected, {result[key]: hint}, owner=owner)


def check_subnet_facts(subnet_facts: SubnetFacts, only: Iterable[str] | None = None) -> Report:
    """Run the visible checks on a student's ``subnet_facts``."""
    return SUBNET_CHECKS.run("subnet_facts", subnet_facts, only)


# -- address_kind ---------------------------------------------------------------------

IS_PRIVATE_HINT = (
    "ipaddress's is_private is not the RFC 1918 test: it is True "
    "for every range IANA lists as not globally reachable (documentation, benchmarking, "
    "loopback, ...); test the three RFC 1918 networks (and fc00::/7 for IPv6) yourself"
)


def _expect_kinds(
    address_kind: AddressKind, cases: dict[str, str], why: str, by_kind: bool = False
) -> None:
    """Each address must come back as its kind. A result that is no str at all is
    returns-str's fault, and 'private' for an address that ipaddress calls is_private
    (is_private taken for the RFC 1918 test) the 'other' check's: others point there.
    With ``by_kind`` (IPv6, where every kind reappears), a wrong kind is first the fault
    of that kind's own check."""
    for address, expected in cases.items():
        found = call_student(address_kind, address, name="address_kind")
        label = describe_call("address_kind", (address,))
        if not isinstance(found, str):
            raise fault_of("returns-str", f"{label} returned a {type(found).__name__}, not a str")
        if found not in KINDS:
            raise CheckFailure(
                f"{label} returned {found!r}, which is not one of {', '.join(KINDS)}"
            )
        if found == expected:
            continue
        hint = why
        if found == "private" and expected == "other":
            hint += f". Beware: {IS_PRIVATE_HINT}"
        message = f"{label} returned {found!r}: {hint}; expected {expected!r}"
        if found == "private" and ipaddress.ip_address(address).is_private:
            raise fault_of("other", message)
        raise fault_of(expected, message) if by_kind else CheckFailure(message)


@ADDRESS_CHECKS.check("returns-str")
def _returns_str(address_kind: AddressKind) -> None:
    found = call_student(address_kind, "10.1.2.3", name="address_kind")
    if not isinstance(found, str):
        raise CheckFailure(
            f"address_kind('10.1.2.3') returned a {type(found).__name__}; return one of the "
            f"strings {', '.join(KINDS)}"
        )


# Each kind is a check of its own: some addresses of it, and why they are that kind.
KIND_CASES = {
    "unspecified": (
        {"0.0.0.0": "unspecified"},
        "0.0.0.0 is the unspecified address (bind to it to mean 'any address')",
    ),
    "loopback": (
        {"127.0.0.1": "loopback", "127.8.9.10": "loopback", "127.255.255.254": "loopback"},
        "the whole of 127.0.0.0/8 is loopback, not only 127.0.0.1",
    ),
    "link-local": (
        {"169.254.0.1": "link-local", "169.254.255.254": "link-local"},
        "169.254.0.0/16 is IPv4 link-local (RFC 3927)",
    ),
    "multicast": (
        {"224.0.0.251": "multicast", "239.255.255.250": "multicast"},
        "224.0.0.0/4 (224.0.0.0 to 239.255.255.255) is multicast",
    ),
    "private": (
        {
            "10.0.0.1": "private",
            "10.255.255.254": "private",
            "172.16.0.1": "private",
            "172.31.255.254": "private",
            "192.168.0.1": "private",
        },
        "RFC 1918 reserves 10.0.0.0/8, 172.16.0.0/12 (172.16.0.0 to 172.31.255.255) "
        "and 192.168.0.0/16",
    ),
    "shared": (
        {"100.64.0.1": "shared", "100.127.255.254": "shared"},
        "100.64.0.0/10 (100.64.0.0 to 100.127.255.255) is the shared address space of "
        "RFC 6598, used by carrier-grade NAT",
    ),
    "other": (
        {
            "172.15.255.254": "other",
            "172.32.0.1": "other",
            "192.169.0.1": "other",
            "100.128.0.1": "other",
            "100.63.255.254": "other",
            "192.0.2.1": "other",
            "198.18.0.1": "other",
            "9.9.9.9": "other",
        },
        "this address lies outside every range in the table (some just past an edge)",
    ),
    "ipv6": (
        {
            "::": "unspecified",
            "::1": "loopback",
            "fe80::1ff:fe23:4567:890a": "link-local",
            "fe80::1%eth0": "link-local",
            "ff02::1": "multicast",
            "fd12:3456:789a::1": "private",
            "2001:db8::1": "other",
        },
        "IPv6 has the same kinds: ::, ::1, fe80::/10, ff00::/8, and fc00::/7 (unique "
        "local addresses) as its private range; ip_address() parses both versions",
    ),
}
for _kind, (_cases, _why) in KIND_CASES.items():
    ADDRESS_CHECKS.check(_kind)(
        partial(_expect_kinds, cases=_cases, why=_why, by_kind=_kind == "ipv6")
    )


def check_address_kind(address_kind: AddressKind, only: Iterable[str] | None = None) -> Report:
    """Run the visible checks on a student's ``address_kind``."""
    return ADDRESS_CHECKS.run("address_kind", address_kind, only)
