"""gunicorn's HTTP/1 response, sending the status line and headers with the body in one write.

gunicorn writes the headers, then each body part, each with its own ``sendall``. Every socket
call lets go of the GIL, and under the threaded worker taking it back costs a handoff between
threads: about 40 µs of worker CPU per call on a 2-core machine (2 workers, wrk -c16
keep-alive). An answer that is one piece of bytes of its full Content-Length (nearly every
answer here: Flask's own, made a list in ``service.app``), up to MAX_BODY, now leaves in one
write. Joining copies the body, and a copy of 1 MiB costs about what the handoff does. Anything
else (HEAD, 204 and 304, chunked or streamed bodies, a body in several parts, a larger one) goes
through gunicorn's own ``write`` unchanged, headers first.

gunicorn's ``wsgi.create`` takes the response class (HTTP/2 passes its own); its threaded worker
calls it without one for HTTP/1, so ``WSGI`` stands in for the ``wsgi`` module that worker uses.
"""

from __future__ import annotations

from typing import Any

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.http.wsgi import Response

MAX_BODY = 64 * 1024  # a copy this size costs about 2.5 µs


class OneWriteResponse(Response):  # type: ignore[misc]  # gunicorn is untyped
    headers_sent: bool
    response_length: int | None

    def write(self, arg: bytes) -> None:
        if (self.headers_sent or self.chunked or self._omits_body or type(arg) is not bytes
                or self.response_length != len(arg) or len(arg) > MAX_BODY):
            super().write(arg)
            return
        tosend = self.default_headers()  # as gunicorn's send_headers writes them
        tosend.extend(["%s: %s\r\n" % (k, v) for k, v in self.headers])  # noqa: UP031
        head = util.to_bytestring("%s\r\n" % "".join(tosend), "latin-1")  # noqa: UP031
        self.sent = len(arg)
        util.write(self.sock, head + arg)
        self.headers_sent = True


class _Wsgi:
    """gunicorn.http.wsgi as the threaded worker sees it, but ``create`` makes a OneWriteResponse
    where the worker names no class (HTTP/1)."""

    @staticmethod
    def create(req: Any, sock: Any, client: Any, server: Any, cfg: Any, response_class: Any = None,
               *args: Any, **kwargs: Any) -> Any:
        return wsgi.create(req, sock, client, server, cfg, response_class or OneWriteResponse,
                           *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(wsgi, name)


WSGI = _Wsgi()
