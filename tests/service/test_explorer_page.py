"""The explorer page in real Chromium against real gunicorn (with a trainer for the seeds lab).

The truth for every verdict is the API itself, asked directly with requests; the reading under a
clicked pixel is computed here from the map's box and the grid's ranges, not by the page's code.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import requests

from tests.browser import chromium
from tests.server import TOKEN, Server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ROASTNET_ARTIFACTS", ROOT / ".artifacts" / "explorer"))
AXE = next(iter(sorted((ROOT / "tests" / "vendor").glob("axe-core-*/axe.min.js"))), None)
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("explorer") / "data", trainer=True) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class Watched:
    """A page whose console errors, uncaught exceptions, failed requests and URLs are recorded."""

    def __init__(self, browser, server, viewport=DESKTOP, **context):
        self.context = browser.new_context(viewport=viewport, **context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"{r.status} {r.url}"))
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.goto(server.url + "/explorer")
        self.page.wait_for_selector("body[data-ready=true]", timeout=15_000)

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, server):
    w = Watched(browser, server)
    yield w
    w.close()
    assert w.errors == []


def api(server, method, path, **kw):
    r = requests.request(method, server.url + path, timeout=30, **kw)
    r.raise_for_status()
    return r.json()


def test_the_page_loads_cleanly_with_one_map_per_hidden_unit(watched, server):
    page = watched.page
    neurons = api(server, "GET", "/v1/neurons")["neurons"]
    tiles = page.locator("#unit-maps .unit-map")
    assert tiles.count() == len(neurons)
    for tile, role in zip(tiles.all(), neurons, strict=True):
        assert tile.get_attribute("data-region") == role["region"]
        assert role["region"].replace("_", " ") in tile.locator("figcaption").inner_text()
        assert tile.locator(".unit-description").inner_text() == role["description"]
    assert all(u.startswith(server.url) for u in watched.urls)  # nothing from another origin
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "explorer-1280x800.png")


def click_reading(page, maps, fx, fy):
    """Click the map at fractions of its box; return the reading there from the grid's ranges."""
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
    page.mouse.click(x, y)
    (t0, t1), (d0, d1) = (maps["temperature"][::len(maps["temperature"]) - 1],
                          maps["duration"][::len(maps["duration"]) - 1])
    px = 1 / min(box["width"], box["height"])  # one pixel, as a fraction of the box
    return {"temperature": t0 + (x - box["x"]) / box["width"] * (t1 - t0),
            "duration": d1 - (y - box["y"]) / box["height"] * (d1 - d0)}, px * max(t1 - t0, d1 - d0)


def explained(page, reading):
    page.wait_for_function(
        """([t, d]) => { const e = document.getElementById('explanation');
           return e.dataset.temperature && Math.abs(e.dataset.temperature - t) < 1
                  && Math.abs(e.dataset.duration - d) < 0.05 && document.getElementById('verdict'); }""",
        arg=[reading["temperature"], reading["duration"]], timeout=5_000)
    return {"label": page.locator("#verdict").get_attribute("data-label"),
            "fired": [int(n) for n in page.locator("#fired li").evaluate_all(
                "items => items.map(i => i.dataset.neuron)")]}


def test_a_click_explains_the_reading_under_it(watched, server):
    page = watched.page
    maps = api(server, "GET", "/v1/maps?resolution=100")
    seen = set()
    for fx, fy in [(0.08, 0.5), (0.35, 0.45), (0.5, 0.97), (0.9, 0.9), (0.3, 0.3)]:
        reading, pixel = click_reading(page, maps, fx, fy)
        shown = explained(page, reading)
        panel = page.locator("#explanation")
        assert abs(float(panel.get_attribute("data-temperature")) - reading["temperature"]) < pixel * 2
        truth = api(server, "POST", "/v1/explain", json=reading)["predictions"][0]
        assert shown["label"] == truth["label"], reading
        assert shown["fired"] == [u["neuron"] for u in truth["fired"]], reading
        # The reasons shown are the API's for the reading the page says it explains (the same
        # within a pixel; the sentences' numbers would differ in the last digit).
        at = {"temperature": float(panel.get_attribute("data-temperature")),
              "duration": float(panel.get_attribute("data-duration"))}
        for unit in api(server, "POST", "/v1/explain", json=at)["predictions"][0]["fired"]:
            assert unit["reason"] in page.locator("#fired").inner_text()
        seen.add(truth["label"])
    assert seen == {"good", "bad"}


def test_the_threshold_slider_changes_a_verdict_as_predict_does(watched, server):
    page = watched.page
    maps = api(server, "GET", "/v1/maps?resolution=40")
    p, t, d = max((p, maps["temperature"][j], maps["duration"][i])
                  for i, row in enumerate(maps["probability"]) for j, p in enumerate(row) if p < 0.85)
    assert 0.55 < p < 0.85
    form = page.locator("#reading-form")
    form.locator("input[name=temperature]").fill(repr(t))
    form.locator("input[name=duration]").fill(repr(d))
    form.locator("button").click()
    assert explained(page, {"temperature": t, "duration": d})["label"] == "good"
    slider = page.locator("#threshold")
    slider.focus()
    for _ in range(math.ceil((p - 0.5) / 0.01) + 1):
        page.keyboard.press("ArrowRight")
    threshold = float(slider.input_value())
    assert threshold > p and page.locator("#threshold-value").inner_text() == f"{threshold:.2f}"
    page.wait_for_function("() => document.getElementById('verdict').dataset.label === 'bad'")
    reading = {"temperature": t, "duration": d}
    assert api(server, "POST", "/v1/predict", json=reading)["predictions"][0]["label"] == "good"
    moved = api(server, "POST", "/v1/predict", json={**reading, "threshold": threshold})
    assert moved["predictions"][0]["label"] == "bad"


def retrain(page, seeds, init):
    form = page.locator("#seeds-form")
    form.locator("input[name=seeds]").fill(seeds)
    form.locator("select[name=init]").select_option(init)
    form.locator("button").click()


def test_the_seeds_lab_retrains_and_shows_one_row_per_seed(watched, server):
    page = watched.page
    retrain(page, "3-5", "glorot")
    dialog = page.locator("#token-dialog")
    dialog.locator("input").fill(TOKEN)
    dialog.locator("button[value=ok]").click()
    page.wait_for_function("() => document.querySelectorAll('.seed-row').length === 3", timeout=60_000)
    job = api(server, "GET", "/v1/jobs?limit=1")["jobs"][0]
    rows = job["result"]["comparison"]["seeds"]
    assert [r["seed"] for r in rows] == [3, 4, 5]
    for row, section in zip(rows, page.locator(".seed-row").all(), strict=True):
        assert int(section.get_attribute("data-seed")) == row["seed"]
        assert ("uncovered" in section.get_attribute("class")) == (not row["all_regions_covered"])
        assert section.locator(".unit-map").count() == 3
    # The token is kept for this tab only and never travels in a URL; a second retrain asks no more.
    assert page.evaluate("sessionStorage.getItem('roastnet.adminToken')") == TOKEN
    assert page.evaluate("localStorage.length") == 0
    retrain(page, "0", "symmetric")
    page.wait_for_function("() => document.querySelectorAll('.seed-row').length === 1", timeout=60_000)
    assert not dialog.is_visible()
    groups = page.locator(".duplicate-group")
    job = api(server, "GET", "/v1/jobs?limit=1")["jobs"][0]
    [row] = job["result"]["comparison"]["seeds"]
    assert groups.count() == 1 == len(row["duplicates"])
    assert groups.get_attribute("data-units") == ",".join(map(str, row["duplicates"][0]))
    assert page.locator(".seed-row .unit-map.duplicate").count() == len(row["duplicates"][0])
    assert not any(TOKEN in u for u in watched.urls)


def test_phone_width_has_no_horizontal_scroll(browser, server):
    w = Watched(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = w.page
        page.locator("#map").scroll_into_view_if_needed()
        box = page.locator("#map").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
        page.wait_for_selector("#verdict")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "explorer-390x844.png", full_page=True)
    finally:
        w.close()
    assert w.errors == []


def serious_violations(page, context: str) -> list[tuple]:
    """Run axe-core over ``context`` (a JavaScript expression) and return its serious and
    critical violations: rule, impact and the first few elements."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run({context}, {{resultTypes: ['violations']}})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_or_critical_violations(browser, server):
    assert AXE is not None, "axe-core is missing: run `make axe` (make test does)"
    w = Watched(browser, server, bypass_csp=True)  # axe is injected as a script of the test's own
    try:
        page = w.page
        page.locator("#reading-form input[name=temperature]").fill("200")
        page.locator("#reading-form input[name=duration]").fill("13.9")
        page.locator("#reading-form button").click()
        page.wait_for_selector("#verdict")
        bad = serious_violations(page, "document")
    finally:
        w.close()
    assert bad == []
    assert w.errors == []


def test_the_fahrenheit_switch_relabels_the_axis_and_explains_in_fahrenheit(watched, server):
    page = watched.page
    page.locator("input[name=unit][value=F]").check()
    assert page.locator("#decision-chart .x-title").inner_text() == "Temperature (°F)"
    ticks = [float(t) for t in page.locator("#decision-chart .x-ticks .tick").all_inner_texts()]
    assert ticks and min(ticks) >= 150 * 9 / 5 + 32 and max(ticks) <= 285 * 9 / 5 + 32
    form = page.locator("#reading-form")
    form.locator("input[name=temperature]").fill("392")  # 200 °C
    form.locator("input[name=duration]").fill("13.9")
    form.locator("button").click()
    explained(page, {"temperature": 200.0, "duration": 13.9})
    truth = api(server, "POST", "/v1/explain",
                json={"temperature": 392, "duration": 13.9, "temperature_unit": "F"})["predictions"][0]
    assert page.locator("#verdict").get_attribute("data-label") == truth["label"]
    lo, hi = truth["counterfactual"]["good_temperature_ranges"][0]
    assert f"{lo:.1f}–{hi:.1f} °F" in page.locator("#explanation").inner_text()
