"""Which IP addresses the fetcher may talk to: only globally routable ones.

:attr:`ipaddress.IPv6Address.is_global` is not enough on its own: it judges IPv6
forms that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible
``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) by their IPv6 prefix
alone, so ``::ffff:127.0.0.1`` would pass. Here the embedded IPv4 address is extracted
and judged too, and ranges the standard library's table misses are blocked explicitly.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv6Address

IPAddress = IPv4Address | IPv6Address

_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "fc00::/7",  # unique local addresses
        "fec0::/10",  # deprecated site-local addresses
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")  # IPv4-translated addresses (RFC 2765)
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def parse_address(ip: str) -> IPAddress | None:
    """``ip`` as an address object (IPv6 zone ids allowed), or None if it is not one."""
    try:
        return ipaddress.ip_address(ip)
    except ValueError:
        return None


def embedded_ipv4(address: IPv6Address) -> tuple[IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    found: list[IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in _NAT64 or address in _SIIT or address in _IPV4_COMPATIBLE:
        found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return tuple(found)


def _is_global_one(address: IPAddress) -> bool:
    """True when ``address`` itself (ignoring what it embeds) is globally routable."""
    return (
        address.is_global
        and not address.is_private
        and not address.is_multicast
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_reserved
        and not address.is_unspecified
        and not any(address in network for network in _BLOCKED_NETWORKS)
    )


def is_public_address(ip: str) -> bool:
    """True only for a globally routable unicast address, judging embedded IPv4 too.

    Anything that does not parse as an IP address is not public.
    """
    address = parse_address(ip)
    if address is None:
        return False
    if isinstance(address, IPv6Address):
        if address.scope_id is not None:
            return False
        if address.ipv4_mapped is not None:  # judged as the IPv4 it is (as Python 3.13 does)
            return _is_global_one(address.ipv4_mapped)
        return _is_global_one(address) and all(map(_is_global_one, embedded_ipv4(address)))
    return _is_global_one(address)
