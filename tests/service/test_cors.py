"""CORS: preflights and Access-Control-* headers for the configured origins, nothing otherwise."""

import pytest

from tests.browser import chromium, static_site
from tests.server import Server
from tests.service.conftest import make_app

PAGE = "http://dashboard.example"


@pytest.fixture(scope="module")
def cors_client(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("cors"), cors_origins=f"{PAGE}, http://other.example").test_client()


def test_preflight_is_answered_for_a_listed_origin(cors_client):
    r = cors_client.options("/v1/predict", headers={
        "Origin": PAGE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-request-id"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == PAGE
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    allowed = set(r.headers["Access-Control-Allow-Headers"].lower().split(", "))
    assert allowed == {"content-type", "x-request-id"}
    assert "Origin" in r.headers["Vary"]


def test_every_answer_carries_the_headers_errors_included(cors_client):
    origin = {"Origin": PAGE}
    for r in (cors_client.get("/v1/neurons", headers=origin),
              cors_client.post("/v1/predict", data="{", content_type="application/json", headers=origin),
              cors_client.post("/v1/retrain", json={"seeds": [1]}, headers={"Origin": PAGE}),
              cors_client.get("/nope", headers={"Origin": PAGE}),
              cors_client.patch("/v1/predict", headers={"Origin": PAGE})):
        assert r.headers["Access-Control-Allow-Origin"] == PAGE, r.status_code
        assert "X-Model-Id" in r.headers["Access-Control-Expose-Headers"]


def test_other_origins_get_no_grant(cors_client):
    r = cors_client.get("/v1/neurons", headers={"Origin": "http://evil.example"})
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    r = cors_client.options("/v1/predict", headers={"Origin": "http://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_off_by_default(client):
    r = client.get("/v1/neurons", headers={"Origin": PAGE})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.options("/v1/predict", headers={"Origin": PAGE, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 405 and "Access-Control-Allow-Origin" not in r.headers


def test_a_wildcard_allows_any_origin(tmp_path):
    client = make_app(tmp_path / "data", cors_origins="*").test_client()
    r = client.get("/healthz", headers={"Origin": "http://anywhere.example"})
    assert r.headers["Access-Control-Allow-Origin"] in ("*", "http://anywhere.example")


FETCHES = """async (api) => {
  const out = {};
  const r = await fetch(api + "/v1/predict?model=lab", {method: "POST",
      headers: {"Content-Type": "application/json", "X-Request-ID": "page-1"},
      body: JSON.stringify({temperature: 160, duration: 13.5})});
  out.status = r.status;
  out.modelId = r.headers.get("X-Model-Id");
  out.body = await r.json();
  const bad = await fetch(api + "/v1/predict", {method: "POST",
      headers: {"Content-Type": "application/json"}, body: "{"});
  out.badStatus = bad.status;
  out.badType = bad.headers.get("Content-Type");
  out.badBody = await bad.json();
  const admin = await fetch(api + "/v1/retrain", {method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer wrong"},
      body: JSON.stringify({seeds: [1]})});
  out.adminStatus = admin.status;
  out.wwwAuthenticate = admin.headers.get("WWW-Authenticate");
  return out;
}"""

BLOCKED = """async (api) => {
  try { await fetch(api + "/v1/neurons"); return "read"; } catch (e) { return "blocked: " + e.name; }
}"""


def test_a_page_on_another_origin_fetches_in_chromium(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<!doctype html><title>dashboard</title><p>roast dashboard")
    with static_site(tmp_path / "site") as page_port:
        origin = f"http://127.0.0.1:{page_port}"
        env = {"ROASTNET_CORS_ORIGINS": origin}
        with Server(tmp_path / "data", workers=2, env=env) as server, chromium() as browser:
            page = browser.new_page()
            page.goto(origin + "/index.html")
            out = page.evaluate(FETCHES, server.url)
            assert out["status"] == 200 and out["modelId"] == out["body"]["model_id"]
            assert out["body"]["predictions"][0]["label"] == "bad"
            assert out["badStatus"] == 400 and out["badType"] == "application/problem+json"
            assert out["badBody"]["status"] == 400
            assert out["adminStatus"] == 401 and out["wwwAuthenticate"].startswith("Bearer")
            # The same page from an origin not listed (localhost is not 127.0.0.1) is refused.
            page.goto(f"http://localhost:{page_port}/index.html")
            assert page.evaluate(BLOCKED, server.url) == "blocked: TypeError"
            page.close()
