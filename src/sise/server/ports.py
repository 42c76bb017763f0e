"""The server's ports, taken before the market is built.

A busy port is found in the first second, not after a build of many seconds. The sockets are
bound but do not listen: a client that connects during the build is refused at once (as by a
server not yet started) instead of waiting in the accept queue; uvicorn listens on them when it
starts serving (``uvicorn.Server.serve(sockets=…)``).
"""

from __future__ import annotations

import errno
import socket

__all__ = ["PortError", "bind_port"]


class PortError(Exception):
    """A port that cannot be taken: in use, not allowed, or an address that is not this host's."""


def bind_port(host: str, port: int, option: str) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not listening); ``option`` names the flag to change
    in the error (``--port``)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise PortError(f"cannot listen on {host!r}: {e.strerror}; give another --host") from None
    # One address: IPv4 when the name has one (``localhost`` is 127.0.0.1 to every client).
    family, kind, proto, _, address = min(found, key=lambda a: a[0] != socket.AF_INET)
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restart may take the port while the last run's connections linger.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            why = "is in use (another sise serve, or another server?)"
        elif e.errno == errno.EACCES:
            why = "needs privileges this user does not have"
        elif e.errno == errno.EADDRNOTAVAIL:
            raise PortError(f"{host!r} is not an address of this host; give another --host") from None
        else:
            why = f"cannot be used: {e.strerror or e}"
        raise PortError(f"port {port} on {host} {why}; give another {option}") from None
    return sock
