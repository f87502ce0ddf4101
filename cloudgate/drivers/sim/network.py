"""Subnet address plans: validating CIDRs, finding free blocks, handing out host addresses."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network

from cloudgate.drivers.sim.native import SimApiError
from cloudgate.drivers.sim.params import invalid, ipv4_network

SMALLEST_PREFIX, LARGEST_PREFIX = 16, 28
AUTO_PREFIX = 24
# Addresses of servers created outside any subnet.
DEFAULT_NETWORK = IPv4Network("172.16.0.0/12")


def parse_cidr(text: object) -> IPv4Network:
    """A private IPv4 network between /16 and /28, written with its network address."""
    network = ipv4_network(text)
    if not network.is_private:
        raise invalid(f"not a private network: {text}")
    if not SMALLEST_PREFIX <= network.prefixlen <= LARGEST_PREFIX:
        raise invalid(f"subnet size must be /{SMALLEST_PREFIX} to /{LARGEST_PREFIX}: {text}")
    return network


def check_free(network: IPv4Network, taken: Iterable[IPv4Network]) -> None:
    for other in taken:
        if network.overlaps(other):
            raise SimApiError("CidrConflict", f"{network} overlaps existing subnet {other}")


def first_free_block(pool: IPv4Network, taken: Iterable[IPv4Network]) -> IPv4Network:
    """The lowest /24 of `pool` that overlaps none of `taken`."""
    used = list(taken)
    for block in pool.subnets(new_prefix=AUTO_PREFIX):
        if not any(block.overlaps(other) for other in used):
            return block
    raise SimApiError("QuotaExceeded", f"no free /{AUTO_PREFIX} left in {pool}")


def host_address(network: IPv4Network, index: int) -> str:
    """The `index`-th address of `network` (wrapping, never the network or broadcast address)."""
    # Integer arithmetic: ipaddress objects cost microseconds each, and populate makes 100k's.
    value = int(network.network_address) + 1 + index % (network.num_addresses - 2)
    return ".".join(map(str, value.to_bytes(4, "big")))
