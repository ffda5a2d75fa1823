"""Connections that check every address a host name resolves to, then connect to that address.

    adapter = PinnedAdapter(refuse_non_public)       # or any guard(host, ip) that raises
    session.mount("http://", adapter); session.mount("https://", adapter)

Checking a URL's host name and then letting the HTTP library resolve it again leaves a gap: a
DNS server may answer the check with a public address and the connect with 127.0.0.1 (DNS
rebinding). Here the name is resolved once, inside urllib3's connection set-up, every address is
given to the guard, and the socket is opened to one of those same addresses; TLS still verifies
the certificate against the host name. Each redirect hop opens its own connection, so it is
checked the same way. A guard refuses by raising AddressRefused (not an OSError, so urllib3
does not retry it and requests does not wrap it).
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Callable

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

Guard = Callable[[str, str], None]


class AddressRefused(Exception):
    """A host resolved to an address the guard does not allow; str() says which and why."""


def address_kind(ip: str) -> str | None:
    """Why an address is not a public unicast one ('loopback', 'private', ...), or None."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if addr.version == 6 and addr.ipv4_mapped is not None:      # ::ffff:127.0.0.1
        addr = addr.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(addr, f"is_{kind}"):
            return kind.replace("_", "-")
    # e.g. 100.64.0.0/10 (carrier-grade NAT) is neither private nor global
    return None if addr.is_global else "not globally routable"


def refuse_non_public(host: str, ip: str) -> None:
    """A guard: only public unicast addresses (no loopback, private, link-local, multicast)."""
    kind = address_kind(ip)
    if kind is not None:
        raise AddressRefused(f"{host} resolves to {ip}, a {kind} address")


def _resolve(host: str, port: int) -> list[tuple]:
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)


def _pinned_new_conn(self) -> socket.socket:
    """HTTPConnection._new_conn, but resolve once, check all, connect to a checked address."""
    try:
        infos = _resolve(self._dns_host, self.port)
    except socket.gaierror as e:
        raise NameResolutionError(self.host, self, e) from e
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for ip in addresses:            # every address, not only the one we will use
        self._guard(self.host, ip)
    last: OSError | None = None
    for ip in addresses:
        try:
            sock = connection.create_connection((ip, self.port), self.timeout,
                                                source_address=self.source_address,
                                                socket_options=self.socket_options)
        except socket.timeout as e:
            raise ConnectTimeoutError(self, f"Connection to {self.host} ({ip}) timed out. "
                                            f"(connect timeout={self.timeout})") from e
        except OSError as e:
            last = e
            continue
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock
    raise NewConnectionError(self, f"Failed to establish a new connection: {last}")


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose every new connection goes through `guard(host, ip)`."""

    def __init__(self, guard: Guard, **kw):
        attrs = {"_guard": staticmethod(guard), "_new_conn": _pinned_new_conn}
        http_conn = type("PinnedHTTPConnection", (HTTPConnection,), attrs)
        https_conn = type("PinnedHTTPSConnection", (HTTPSConnection,), attrs)
        self._pool_classes = {
            "http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw) -> None:
        super().init_poolmanager(*args, **kw)
        self.poolmanager.pool_classes_by_scheme = dict(self._pool_classes)

    def proxy_manager_for(self, proxy, **kw):
        # Through a proxy the proxy resolves the name, so nothing here could check it.
        raise AddressRefused(f"a proxy ({proxy}) is configured; address checks need direct "
                             f"connections")
