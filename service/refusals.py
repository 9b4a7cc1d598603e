"""gunicorn's own refusals (a bad request line, a request line or headers over its limits) as
RFC 9457 problem+json rather than its HTML page.

gunicorn answers these before the app sees the request and offers no hook for the body, so its
one writer of error pages, ``gunicorn.util.write_error``, is replaced in the master before the
workers fork. The app's own limits sit below gunicorn's (service/app.py), so most oversized
requests are refused by the app; these are the ones past gunicorn's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    import socket

PROBLEM_JSON = "application/problem+json"


def problem_page(status: int, reason: str, message: str) -> bytes:
    """Return a whole HTTP/1.1 answer carrying a problem+json body."""
    detail = message or "an unexpected error occurred; it has been logged"
    body = orjson.dumps({"type": f"/problems/{reason.lower().replace(' ', '-')}", "title": reason,
                         "status": status, "detail": detail})
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_JSON}\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n"
            f"Cache-Control: no-store\r\n\r\n")
    return head.encode("latin-1") + body


def install() -> None:
    """Make gunicorn write its refusals as problem+json (call in the master, before forking)."""
    from gunicorn import util

    def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
        util.write_nonblock(sock, problem_page(status_int, reason, mesg))

    util.write_error = write_error
