"""Who may read /metrics: a pure rule over the request's address, headers and the settings."""

from __future__ import annotations

import hmac
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network


def allowed_networks(setting: str) -> tuple[Network, ...]:
    """Read `LMS_METRICS_ALLOW`: addresses or networks, separated by commas or spaces.

    Raises ValueError naming the first entry that is neither.
    """
    networks = []
    for entry in setting.replace(",", " ").split():
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an address or a network") from exc
    return tuple(networks)


def may_read_metrics(
    remote_addr: str | None,
    *,
    forwarded: bool,
    authorization: str | None,
    networks: tuple[Network, ...],
    token: str,
) -> bool:
    """Whether this request may read the metrics.

    A bearer token, when one is configured and presented, opens them from anywhere; a token that
    is presented must be the right one, whatever the address. Without a token, only a request that
    came straight to the process (no `X-Forwarded-For`: not through the proxy, whose own address is
    often loopback) from an allowed address.
    """
    if authorization is not None:
        scheme, _, presented = authorization.partition(" ")
        if not token or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(presented.strip().encode(), token.encode())
    if forwarded or not remote_addr:
        return False
    try:
        address = ip_address(remote_addr)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:  # a dual-stack socket's IPv4 client
        address = address.ipv4_mapped
    return any(address in network for network in networks)
