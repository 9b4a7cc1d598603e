"""ETags, 304s and Cache-Control: what a browser or a caching proxy may keep, and for how long."""

import pytest
import requests

from tests.server import Server, admin


def test_a_get_has_a_strong_etag_and_if_none_match_answers_304(client):
    r = client.get("/v1/neurons")
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert r.headers["Cache-Control"] == "no-cache"
    again = client.get("/v1/neurons", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get("/v1/neurons", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == r.data


def test_an_id_pinned_get_is_immutable_a_name_is_not(client):
    lab = client.get("/v1/models/lab").json["id"]
    r = client.get(f"/v1/maps?resolution=5&model={lab}")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/v1/maps?resolution=5&model=lab").headers["Cache-Control"] == "no-cache"
    assert client.get("/v1/models/" + lab).headers["Cache-Control"] == "no-cache"  # "active" may change


def test_different_answers_have_different_etags(client):
    tags = {client.get(f"/v1/maps?resolution={n}").headers["ETag"] for n in (4, 5, 6)}
    tags.add(client.get("/v1/maps?resolution=4&model=lab").headers["ETag"])
    assert len(tags) == 4


def test_posts_and_errors_are_never_stored(client):
    for r in (client.post("/v1/predict", json={"temperature": 200, "duration": 13.9}),
              client.get("/v1/models/nope"), client.get("/metrics")):
        assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers


@pytest.mark.parametrize("coding", ["identity", "gzip"])
def test_head_has_the_headers_of_get(client, coding):
    url, asked = "/v1/maps?resolution=30", {"Accept-Encoding": coding}
    get, head = client.get(url, headers=asked), client.head(url, headers=asked)
    assert head.status_code == 200 and head.data == b""
    for name in ("ETag", "Cache-Control", "Content-Length", "Content-Type", "X-Model-Id", "Vary"):
        assert head.headers[name] == get.headers[name]
    assert head.headers.get("Content-Encoding") == get.headers.get("Content-Encoding")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("caching") / "data", workers=2) as s:
        yield s


@pytest.mark.parametrize("coding", ["identity", "gzip", "zstd"])
def test_revalidation_over_http_per_coding(server, coding):
    url, headers = server.url + "/v1/maps?resolution=60", {"Accept-Encoding": coding}
    first = requests.get(url, headers=headers, timeout=10)
    assert first.status_code == 200 and first.headers.get("Content-Encoding", "identity") == coding
    etag = first.headers["ETag"]
    assert requests.get(url, headers={**headers, "If-None-Match": etag}, timeout=10).status_code == 304
    if coding != "identity":
        assert etag.endswith(f':{coding}"')  # each representation has its own validator


def test_an_activation_changes_the_active_models_etag(server):
    url = server.url + "/v1/neurons"
    before = requests.get(url, timeout=10).headers["ETag"]
    assert requests.put(server.url + "/v1/models/active", json={"id": "lab"}, headers=admin(),
                        timeout=10).status_code == 200
    try:
        after = requests.get(url, headers={"If-None-Match": before}, timeout=10)
        assert after.status_code == 200 and after.headers["ETag"] != before
    finally:
        requests.put(server.url + "/v1/models/active", json={"id": "default"}, headers=admin(), timeout=10)
