"""The request-line and header limits of the real server (gunicorn), byte for byte on a raw socket:
4096 bytes of path and query and 50 header fields are served, one more byte or field is refused."""

from __future__ import annotations

import json

import pytest

from tests.server import Server, raw_exchange

MAX_URI, MAX_FIELDS = 4096, 50  # the README's limits


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("limits") / "data", workers=2) as s:
        yield s


def raw(server, target: str, fields: list[str]) -> tuple[int, dict, bytes]:
    """Send exactly this request line and these header fields; return status, headers, body."""
    request = f"GET {target} HTTP/1.1\r\n" + "".join(f"{f}\r\n" for f in fields) + "\r\n"
    return raw_exchange(server, request.encode("latin-1"))


def target_of(length: int) -> str:
    base = "/healthz?pad="
    return base + "x" * (length - len(base))


BASE_FIELDS = ["Host: 127.0.0.1", "Connection: close"]


@pytest.mark.parametrize(("length", "status"), [(MAX_URI, 200), (MAX_URI + 1, 414)])
def test_path_and_query_of_exactly_4096_bytes(server, length, status):
    target = target_of(length)
    assert len(target.encode()) == length
    code, headers, body = raw(server, target, BASE_FIELDS)
    assert code == status, body[:200]
    if status != 200:
        assert headers["Content-Type"] == "application/problem+json"
        assert "4096 bytes" in json.loads(body)["detail"]


@pytest.mark.parametrize(("count", "status"), [(MAX_FIELDS, 200), (MAX_FIELDS + 1, 431)])
def test_exactly_50_header_fields(server, count, status):
    fields = BASE_FIELDS + [f"X-Pad-{i}: {i}" for i in range(count - len(BASE_FIELDS))]
    assert len(fields) == count
    code, headers, body = raw(server, "/healthz", fields)
    assert code == status, body[:200]
    if status != 200:
        assert headers["Content-Type"] == "application/problem+json"
        assert "more than 50 header fields" in json.loads(body)["detail"]
