"""The explorer's files over HTTP: the page, its modules, and the app's caching and compression."""

import re
from pathlib import Path

import pytest
import yaml

STATIC = Path(__file__).resolve().parents[2] / "service" / "static"
SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())


@pytest.mark.parametrize("path", ["/", "/explorer"])
def test_the_page_is_served_with_a_policy_that_allows_this_origin_only(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.data == (STATIC / "explorer.html").read_bytes()
    policy = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_every_file_the_page_loads_is_served_and_nothing_from_elsewhere(client):
    html = (STATIC / "explorer.html").read_text()
    loaded = set(re.findall(r'(?:src|href)="([^"]+)"', html)) - {"data:,"}
    imports = {"/static/" + m for f in STATIC.glob("*.js")
               for m in re.findall(r'from "\./([\w.-]+)"', f.read_text())}
    for url in loaded | imports:
        assert url.startswith(("/static/", "/v1/")), url  # no CDN, nothing from another origin
        r = client.get(url)
        assert r.status_code == 200, url
        expected = "application/json" if url.startswith("/v1/") else (
            "text/css" if url.endswith(".css") else "text/javascript")
        assert r.mimetype == expected, url
    assert {p.name for p in STATIC.glob("*.js")} == {u.rsplit("/", 1)[1] for u in imports | loaded
                                                     if u.endswith(".js")}, "a module nothing loads"


def test_the_spec_lists_exactly_the_static_files(client):
    [param] = SPEC["paths"]["/static/{name}"]["get"]["parameters"]
    names = {p.name for p in STATIC.iterdir() if p.suffix in (".js", ".css")}
    assert set(param["schema"]["enum"]) == names


@pytest.mark.parametrize("name", ["nope.js", "explorer.html", "..%2Fapp.py", ".hidden.js"])
def test_other_names_are_404_problems(client, name):
    r = client.get(f"/static/{name}")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_files_revalidate_with_their_etag_and_compress_like_the_api(client):
    r = client.get("/static/main.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert r.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/main.js", headers={"Accept-Encoding": "gzip",
                                                   "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/static/main.js")
    assert "Content-Encoding" not in plain.headers and plain.headers["ETag"] != r.headers["ETag"]
    assert plain.data == (STATIC / "main.js").read_bytes()


def test_other_methods_are_405(client):
    r = client.post("/explorer")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
