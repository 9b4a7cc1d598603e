"""The explorer's training replay in real Chromium against real gunicorn (with a trainer).

The truth is the API, asked directly: the trajectory's steps, regions and separation step, and
/v1/maps's activation grid for the page's own computation of a unit's map from a snapshot's weights.
"""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.server import TOKEN, Server
from tests.service.test_explorer_page import AXE, PHONE, Watched, api, serious_violations

MAIN = "#replay-main"
READY = f"{MAIN} .replay-controls:not([hidden])"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("replay") / "data", trainer=True) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def replay(browser, server):
    w = Watched(browser, server)
    w.page.wait_for_selector(READY)
    w.page.locator("#replay").scroll_into_view_if_needed()
    yield w
    w.close()
    assert w.errors == []


def trajectory(server):
    active = api(server, "GET", "/v1/models/active")["id"]
    return api(server, "GET", f"/v1/models/{active}/trajectory")


def pixels(page, selector):
    """The RGBA bytes of every canvas matched, as lists."""
    return page.locator(selector).evaluate_all(
        "cs => cs.map(c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data))")


def shown_step(page, root=MAIN):
    return int(page.locator(f"{root} .replay-text").get_attribute("data-step"))


def test_the_slider_moves_the_unit_maps_and_relabels_regions_as_the_snapshots_say(replay, server):
    page, t = replay.page, trajectory(server)
    snaps = t["snapshots"]
    slider = page.locator(f"{MAIN} .replay-step")
    assert int(slider.get_attribute("max")) == len(snaps) - 1
    assert shown_step(page) == 0
    before = pixels(page, f"{MAIN} .unit-map canvas")
    slider.focus()
    for k in range(1, len(snaps)):  # the keyboard alone walks every snapshot
        page.keyboard.press("ArrowRight")
        assert shown_step(page) == snaps[k]["step"]
        regions = page.locator(f"{MAIN} .unit-map").evaluate_all("fs => fs.map(f => f.dataset.region)")
        assert regions == [u["region"] for u in snaps[k]["units"]], snaps[k]["step"]
    text = page.locator(f"{MAIN} .replay-text").inner_text()
    assert f"loss {snaps[-1]['loss']:.3g}" in text and f"Step {snaps[-1]['step']} of" in text
    after = pixels(page, f"{MAIN} .unit-map canvas")
    assert len(after) == len(snaps[0]["units"])
    assert all(a != b for a, b in zip(after, before, strict=True))  # every unit's map moved
    assert slider.get_attribute("aria-valuetext") == f"step {snaps[-1]['step']} of {snaps[-1]['step']}"
    # Play runs from the start to the last snapshot and stops there.
    play = page.locator(f"{MAIN} .replay-play")
    play.click()
    assert play.inner_text() == "Pause"
    page.wait_for_function(f"() => document.querySelector('{MAIN} .replay-play').textContent === 'Play'",
                           timeout=30_000)
    assert shown_step(page) == snaps[-1]["step"]


def test_the_separation_step_shown_is_the_trajectorys(replay, server):
    t = trajectory(server)
    separation = replay.page.locator(f"{MAIN} .replay-separation")
    expected = "never" if t["separation_step"] is None else str(t["separation_step"])
    assert separation.inner_text() == expected
    assert expected in replay.page.locator(f"{MAIN} .distances canvas").get_attribute("aria-label")


def test_a_unit_map_at_the_last_step_matches_the_apis_activation_grid(replay, server):
    page = replay.page
    page.locator(f"{MAIN} .replay-step").focus()
    page.keyboard.press("End")
    maps = api(server, "GET", "/v1/maps?resolution=100")
    neurons = api(server, "GET", "/v1/neurons")["neurons"]
    R = len(maps["temperature"])
    boxes = page.locator(f"{MAIN} .unit-map canvas").evaluate_all(
        "cs => cs.map(c => [c.width, c.height])")
    checked = []
    for j, grid in enumerate(maps["neurons"]):
        w, h = boxes[j]
        b = neurons[j]["boundary"]
        t0, t1 = maps["temperature"][0], maps["temperature"][-1]
        d0, d1 = maps["duration"][0], maps["duration"][-1]
        points = []
        for r in range(1, R - 1, 7):
            for c in range(1, R - 1, 7):
                near = [grid[r + i][c + k] for i in (-1, 0, 1) for k in (-1, 0, 1)]
                x, y = c / (R - 1) * w, (1 - r / (R - 1)) * h
                # Pixels away from the drawn boundary (where a·t + b·d + c = 0) and where the map
                # is flat within a grid step, so a pixel's interpolation cannot move its colour.
                z = (b["temperature_coef"] * maps["temperature"][c] + b["duration_coef"] *
                     maps["duration"][r] + b["intercept"])
                slope = ((b["temperature_coef"] * (t1 - t0) / w) ** 2 +  # z per pixel
                         (b["duration_coef"] * (d1 - d0) / h) ** 2) ** 0.5
                if max(near) - min(near) < 0.02 and abs(z) / slope > 8:
                    points.append((int(x), int(y), grid[r][c]))
        expected = page.evaluate(
            "async ps => { const { viridis } = await import('/static/palette.js');"
            " return ps.map(([x, y, v]) => viridis(v)); }", points)
        got = page.locator(f"{MAIN} .unit-map canvas").nth(j).evaluate(
            "(c, ps) => ps.map(([x, y]) => Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data))",
            points)
        for (x, y, v), want, have in zip(points, expected, got, strict=True):
            assert max(abs(a - b) for a, b in zip(want, have[:3], strict=False)) <= 12, (j, x, y, v)
        checked += [v for _, _, v in points]
    assert len(checked) >= 20
    assert min(checked) < 0.1 and max(checked) > 0.9  # both ends of the scale were compared


def test_axe_finds_no_serious_or_critical_violations_in_the_replay(browser, server):
    assert AXE is not None, "axe-core is missing: run `make axe` (make test does)"
    w = Watched(browser, server, bypass_csp=True)
    try:
        page = w.page
        page.wait_for_selector(READY)
        page.locator(f"{MAIN} .replay-step").focus()
        page.keyboard.press("ArrowRight")
        bad = serious_violations(page, "'#replay'")
    finally:
        w.close()
    assert bad == []
    assert w.errors == []


def test_the_replay_fits_a_phone_without_horizontal_scroll(browser, server):
    w = Watched(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        w.page.wait_for_selector(READY)
        w.page.locator(f"{MAIN} .replay-play").tap()
        assert w.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        w.close()
    assert w.errors == []


def test_identical_and_perturbed_starts_replay_side_by_side(replay, server):
    page = replay.page
    page.locator("#pair-button").click()
    dialog = page.locator("#token-dialog")
    dialog.locator("input").fill(TOKEN)
    dialog.locator("button[value=ok]").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.replay-half .replay-controls:not([hidden])').length === 2",
        timeout=120_000)
    recipes = []
    for half in page.locator(".replay-half").all():
        epsilon = float(half.get_attribute("data-perturbation"))
        model = half.locator(".replay").get_attribute("data-model")
        recipes.append(api(server, "GET", f"/v1/models/{model}")["recipe"])
        assert recipes[-1]["perturbation"] == epsilon and recipes[-1]["init"] == "symmetric"
        t = api(server, "GET", f"/v1/models/{model}/trajectory")
        shown = half.locator(".replay-separation").inner_text()
        assert shown == ("never" if t["separation_step"] is None else str(t["separation_step"]))
        if epsilon == 0:
            assert shown == "never" and "exactly 0 at every step" in half.inner_text()
        else:
            assert t["separation_step"] is not None
    assert [{**r, "perturbation": 0} for r in recipes][0] == {**recipes[1], "perturbation": 0}
    # A second press reuses the stored models: no token is asked and no job is started.
    jobs = len(api(server, "GET", "/v1/jobs?limit=100")["jobs"])
    page.evaluate("sessionStorage.clear()")
    page.locator("#pair-button").click()
    page.wait_for_function("() => !document.getElementById('pair-button').disabled")
    assert not dialog.is_visible()
    assert len(api(server, "GET", "/v1/jobs?limit=100")["jobs"]) == jobs


def test_a_seeds_lab_row_replays_its_model_with_the_comparisons_separation_step(replay, server):
    page = replay.page
    form = page.locator("#seeds-form")
    form.locator("input[name=seeds]").fill("7")
    form.locator("select[name=init]").select_option("glorot")
    form.locator("button").click()
    page.locator("#token-dialog input").fill(TOKEN)
    page.locator("#token-dialog button[value=ok]").click()
    page.wait_for_selector(".seed-row .replay-seed", timeout=60_000)
    [row] = api(server, "GET", "/v1/jobs?limit=1")["jobs"][0]["result"]["comparison"]["seeds"]
    page.locator(".seed-row .replay-seed").click()
    page.wait_for_function(f"() => document.querySelector('{MAIN}').dataset.model === '{row['model_id']}'")
    assert page.evaluate("document.activeElement.classList.contains('replay-step')")
    separation = row["separation_step"]
    assert page.locator(f"{MAIN} .replay-separation").inner_text() == (
        "never" if separation is None else str(separation))
    assert "seed 7, glorot" in page.locator(f"{MAIN} .replay-model").inner_text()
