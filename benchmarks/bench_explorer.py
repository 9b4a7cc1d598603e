"""The explorer in Chromium: time to interactive, and from a click to its explanation drawn.

Baselines in the same run: the page's data requests alone (fetched and parsed in the page, no
drawing), and a bare fetch of /v1/explain from the page.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from benchmarks.common import table
from tests.browser import chromium
from tests.server import Server

LOADS = 10
CLICKS = 30
WORKERS = 4  # roastnet serve's default on two cores
DATA = """async () => {
  const t0 = performance.now();
  const models = await (await fetch('/v1/models?limit=100')).json();
  const id = models.models.find((m) => m.active).id;
  await Promise.all(['/v1/dataset', `/v1/maps?resolution=100&model=${id}`, `/v1/neurons?model=${id}`,
                     `/v1/models/${id}`].map(async (u) => (await fetch(u)).json()));
  return performance.now() - t0;
}"""
FETCH = """async ([t, d]) => {
  const t0 = performance.now();
  await (await fetch('/v1/explain', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                     body: JSON.stringify({temperature: t, duration: d})})).json();
  return performance.now() - t0;
}"""
CLICKED = """() => new Promise((resolve) => {
  const map = document.getElementById('map');
  map.addEventListener('click', (e) => { window.clickedAt = e.timeStamp; }, {capture: true, once: true});
  resolve();
})"""


def _summary(ms: list[float]) -> list[float]:
    ms = sorted(ms)
    return [statistics.median(ms), ms[int(0.9 * (len(ms) - 1))], ms[-1]]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "data", workers=WORKERS) as server, \
            chromium() as browser:
        ready, data = [], []
        for _ in range(LOADS):
            context = browser.new_context(viewport={"width": 1280, "height": 800})  # a cold cache
            page = context.new_page()
            page.goto(server.url + "/explorer")
            page.wait_for_selector("body[data-ready=true]")
            ready.append(page.evaluate("performance.getEntriesByName('ready')[0].startTime"))
            data.append(page.evaluate(DATA))
            context.close()
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.url + "/explorer")
        page.wait_for_selector("body[data-ready=true]")
        page.locator("#map").scroll_into_view_if_needed()
        box = page.locator("#map").bounding_box()
        clicks, fetches = [], []
        for i in range(CLICKS):
            page.evaluate(CLICKED)
            marks = page.evaluate("performance.getEntriesByName('explained').length")
            page.mouse.click(box["x"] + box["width"] * (0.1 + 0.8 * i / CLICKS),
                             box["y"] + box["height"] * (0.9 - 0.8 * i / CLICKS))
            page.wait_for_function("(n) => performance.getEntriesByName('explained').length > n",
                                   arg=marks)
            clicks.append(page.evaluate(
                "performance.getEntriesByName('explained').at(-1).startTime - window.clickedAt"))
            fetches.append(page.evaluate(FETCH, [150 + 135 * i / CLICKS, 11.5 + 4 * i / CLICKS]))
    table(f"Explorer in Chromium on loopback (gunicorn, {WORKERS} workers): "
          f"{LOADS} cold loads, {CLICKS} clicks",
          ["measure", "median ms", "p90 ms", "max ms"],
          [["navigation to interactive (maps drawn)", *_summary(ready)],
           ["  baseline: its data requests alone, fetched and parsed", *_summary(data)],
           ["click to explanation shown and drawn", *_summary(clicks)],
           ["  baseline: a bare fetch of /v1/explain", *_summary(fetches)]])


if __name__ == "__main__":
    main()
