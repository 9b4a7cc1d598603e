"""service/one_write.py: the same bytes on the wire as gunicorn's own response, in one write
where the whole body is one part of its declared length."""

from types import SimpleNamespace

import pytest
from gunicorn import util
from gunicorn.config import Config
from gunicorn.http.wsgi import Response

from service.one_write import MAX_BODY, WSGI, OneWriteResponse


class Socket:
    """Records each sendall: the wire bytes, and how many writes carried them."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def _request(method="GET", version=(1, 1)):
    return SimpleNamespace(method=method, version=version, should_close=lambda: False)


def _send(cls, method, status, headers, parts, version=(1, 1)):
    sock = Socket()
    resp = cls(_request(method, version), sock, Config())
    resp.start_response(status, headers)
    for part in parts:
        resp.write(part)
    resp.close()
    return sock.writes


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setattr(util, "http_date", lambda *a: "Mon, 07 Dec 2026 12:00:00 GMT")


BODY = b'{"model_id":"x","predictions":[]}'
JSON = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY))), ("X-Model-Id", "x")]
CASES = {
    "whole body of its length": ("POST", "200 OK", JSON, [BODY], 1),
    "HEAD: headers only": ("HEAD", "200 OK", JSON, [BODY], 1),
    "204: no body": ("DELETE", "204 NO CONTENT", [], [], 1),
    "304 with a length: no body": ("GET", "304 NOT MODIFIED", JSON, [BODY], 1),
    "empty body of length 0": ("GET", "200 OK", [("Content-Length", "0")], [b""], 1),
    "a body in two parts": ("GET", "200 OK", JSON, [BODY[:10], BODY[10:]], 3),
    "no length: chunked": ("GET", "200 OK", [("Content-Type", "text/plain")], [b"ab", b"cd"], 4),
    "no length, HTTP/1.0": ("GET", "200 OK", [("Content-Type", "text/plain")], [b"ab"], 2),
    "more than its length": ("GET", "200 OK", [("Content-Length", "3")], [b"abcdef"], 2),
    "less than its length": ("GET", "200 OK", [("Content-Length", "9")], [b"abc"], 2),
    "whole but over the bound": ("GET", "200 OK", [("Content-Length", str(MAX_BODY + 1))],
                                 [b"x" * (MAX_BODY + 1)], 2),
    "whole at the bound": ("GET", "200 OK", [("Content-Length", str(MAX_BODY))], [b"x" * MAX_BODY], 1),
}


@pytest.mark.parametrize("case", CASES)
def test_the_wire_bytes_are_gunicorn_s_own(case):
    method, status, headers, parts, writes = CASES[case]
    version = (1, 0) if "1.0" in case else (1, 1)
    want = _send(Response, method, status, headers, parts, version)
    got = _send(OneWriteResponse, method, status, headers, parts, version)
    assert b"".join(got) == b"".join(want)
    assert len(got) == writes
    if case == "whole body of its length":
        assert len(want) == 2  # gunicorn's own: the headers, then the body
        assert got[0].startswith(b"HTTP/1.1 200 OK\r\n") and got[0].endswith(b"\r\n\r\n" + BODY)


def test_the_threaded_worker_s_create_makes_one_write_responses_for_http1_only(monkeypatch):
    import gunicorn.http.wsgi as wsgi
    from gunicorn.http2.response import HTTP2Response

    made = []
    monkeypatch.setattr(wsgi, "create", lambda *args, **kwargs: made.append(args[5]))
    peers = (_request(), Socket(), ("127.0.0.1", 1), ("127.0.0.1", 2), Config())
    WSGI.create(*peers)
    WSGI.create(*peers, response_class=HTTP2Response)
    assert made == [OneWriteResponse, HTTP2Response]
    assert WSGI.base_environ is wsgi.base_environ  # everything else is gunicorn's module
