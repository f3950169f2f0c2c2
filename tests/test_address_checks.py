"""The address checkers of 01, three ways: the stub, the reference, realistic wrong answers."""

from __future__ import annotations

import ipaddress

from netcourse.checks import addresses

from .three_ways import ThreeWays, right, wrong


def stub(text: str):
    raise NotImplementedError()


# -- references: the solutions of the notebook ----------------------------------------


def subnet_facts(cidr: str) -> dict:
    network = ipaddress.IPv4Network(cidr, strict=False)
    first, last = network.network_address, network.broadcast_address
    if network.prefixlen < 31:
        first, last = first + 1, last - 1
    return {
        "network": network,
        "netmask": network.netmask,
        "broadcast": network.broadcast_address,
        "first_host": first,
        "last_host": last,
        "usable_hosts": int(last) - int(first) + 1,
    }


PRIVATE = [
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
]
SHARED = ipaddress.ip_network("100.64.0.0/10")


def address_kind(text: str) -> str:
    address = ipaddress.ip_address(text)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in PRIVATE):
        return "private"
    if address in SHARED:
        return "shared"
    return "other"


# -- subnet_facts: wrong answers ------------------------------------------------------


def facts_variant(**changes):
    def wrong(cidr):
        network = ipaddress.IPv4Network(cidr, strict=False)
        result = subnet_facts(cidr)
        for key, change in changes.items():
            result[key] = change(network, result)
        return result

    wrong.__name__ = "facts_" + "_".join(changes)
    return wrong


def facts_strict(cidr):
    ipaddress.IPv4Network(cidr)  # raises ValueError for host bits set
    return subnet_facts(cidr)


def facts_minus_two(cidr):
    network = ipaddress.IPv4Network(cidr, strict=False)
    return {
        "network": network,
        "netmask": network.netmask,
        "broadcast": network.broadcast_address,
        "first_host": network.network_address + 1,
        "last_host": network.broadcast_address - 1,
        "usable_hosts": network.num_addresses - 2,
    }


def facts_strings(cidr):
    return {key: str(value) for key, value in subnet_facts(cidr).items()}


SUBNET_WRONG = [
    wrong(facts_strict, {"host-bits-set"}, "strict=False"),
    wrong(facts_minus_two, {"point-to-point"}, "RFC 3021"),
    wrong(
        facts_variant(usable_hosts=lambda n, r: n.num_addresses - 1), {"usable-hosts"}, "off by one"
    ),
    wrong(facts_variant(usable_hosts=lambda n, r: n.num_addresses), {"usable-hosts"}, "subtract 2"),
    wrong(
        facts_variant(
            first_host=lambda n, r: n.network_address, last_host=lambda n, r: n.broadcast_address
        ),
        {"first-and-last-host"},
        "the one after it",
    ),
    wrong(
        facts_variant(broadcast=lambda n, r: n.network_address),
        {"broadcast"},
        "the broadcast address is the last one",
    ),
    wrong(facts_variant(netmask=lambda n, r: n.hostmask), {"network-and-mask"}, "host mask"),
    wrong(
        facts_strings,
        {"returns-dict"},
        "return an ipaddress.IPv4Network",
    ),
]


# -- address_kind: wrong answers ------------------------------------------------------


def kind_uses_is_private(text):
    address = ipaddress.ip_address(text)
    kind = address_kind(text)
    if kind in ("private", "other") and address not in SHARED:
        return "private" if address.is_private else "other"
    return kind


def kind_is_private_first(text):
    return "private" if ipaddress.ip_address(text).is_private else address_kind(text)


def kind_only_127_0_0_1(text):
    kind = address_kind(text)
    if kind == "loopback" and text not in ("127.0.0.1", "::1"):
        return "other"
    return kind


def kind_with_ranges(private, shared="100.64.0.0/10"):
    networks = [ipaddress.ip_network(n) for n in private]

    def wrong(text):
        address = ipaddress.ip_address(text)
        kind = address_kind(text)
        if kind in ("private", "other", "shared"):
            if any(address in n for n in networks):
                return "private"
            return "shared" if address in ipaddress.ip_network(shared) else "other"
        return kind

    return wrong


def kind_forgets(kind_left_out):
    def wrong(text):
        kind = address_kind(text)
        return "other" if kind == kind_left_out else kind

    wrong.__name__ = f"kind_without_{kind_left_out.replace('-', '_')}"
    return wrong


def kind_multicast_224_only(text):
    kind = address_kind(text)
    if kind == "multicast" and ":" not in text and not text.startswith("224."):
        return "other"
    return kind


def kind_ipv4_only(text):
    if ":" in text:
        return "other"
    return address_kind(text)


def kind_returns_bool_flags(text):
    return ipaddress.ip_address(text).is_private


ADDRESS_WRONG = [
    wrong(kind_uses_is_private, {"other"}, "is not the RFC 1918 test"),
    wrong(kind_is_private_first, {"other"}, "is not the RFC 1918 test"),
    wrong(kind_only_127_0_0_1, {"loopback"}, "the whole of 127.0.0.0/8"),
    wrong(kind_forgets("unspecified"), {"unspecified"}, "'any address'"),
    wrong(kind_forgets("link-local"), {"link-local"}, "RFC 3927"),
    wrong(kind_multicast_224_only, {"multicast"}, "239.255.255.255"),
    wrong(
        kind_with_ranges(["10.0.0.0/8", "172.16.0.0/16", "192.168.0.0/16", "fc00::/7"]),
        {"private"},
        "172.16.0.0/12",
    ),
    wrong(
        kind_with_ranges(["10.0.0.0/8", "172.0.0.0/8", "192.168.0.0/16", "fc00::/7"]),
        {"other"},
        "is not the RFC 1918 test",
    ),
    wrong(
        kind_with_ranges(
            ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"], "100.64.0.0/16"
        ),
        {"shared"},
        "RFC 6598",
    ),
    wrong(kind_ipv4_only, {"ipv6"}, "fc00::/7"),
    wrong(
        kind_returns_bool_flags,
        {"returns-str"},
        "return one of the strings",
    ),
]


class TestSubnetFacts(ThreeWays):
    checklist = addresses.SUBNET_CHECKS
    stubs = [right(stub)]
    references = [right(subnet_facts)]
    corpus = SUBNET_WRONG

    def check(self, case, only=None):
        return addresses.check_subnet_facts(case.answer, only)


class TestAddressKind(ThreeWays):
    checklist = addresses.ADDRESS_CHECKS
    stubs = [right(stub)]
    references = [right(address_kind)]
    corpus = ADDRESS_WRONG

    def check(self, case, only=None):
        return addresses.check_address_kind(case.answer, only)
