// A model's training replayed: a step slider and a play button over its trajectory's snapshots.
// Each unit's map is computed here from the snapshot's weights; its label is the snapshot's region.

import { Problem, get } from "./api.js";
import { activationGrid, boundary } from "./activation.js";
import { distanceText, drawDistances } from "./distance-plot.js";
import { region } from "./palette.js";
import { onResize } from "./plot.js";
import { unitTile } from "./unit-maps.js";

const FRAME_MS = 160;

const TEMPLATE = `
  <p class="replay-model"></p>
  <div class="replay-controls" hidden>
    <button type="button" class="replay-play">Play</button>
    <label><span>Training step</span> <input type="range" class="replay-step" min="0" step="1"></label>
  </div>
  <p class="replay-text" aria-live="polite"></p>
  <div class="unit-maps replay-maps"></div>
  <figure class="distances" hidden><canvas role="img"></canvas>
    <figcaption><span class="distance-words"></span> Separated (closest pair 1,000× its step-0
      distance) at step <strong class="replay-separation"></strong>.</figcaption></figure>`;

/** Build a replay panel in container; axes() gives the temperature and duration grid to draw on. */
export function mountReplay(container, axes) {
  container.classList.add("replay");
  container.innerHTML = TEMPLATE;
  const q = (selector) => container.querySelector(selector);
  const slider = q(".replay-step"), play = q(".replay-play"), text = q(".replay-text");
  const canvas = q(".distances canvas"), maps = q(".replay-maps");
  const view = { trajectory: null, normalization: null, at: 0, timer: 0, asked: 0 };

  function show(index) {
    const t = view.trajectory;
    view.at = index;
    slider.value = index;
    const snap = t.snapshots[index], before = t.snapshots[Math.max(0, index - 1)];
    const last = t.snapshots[t.snapshots.length - 1].step;
    slider.setAttribute("aria-valuetext", `step ${snap.step} of ${last}`);
    const { temperature, duration } = axes();
    const tiles = snap.units.map((u) => {
      const was = before.units[u.neuron].region;
      const words = region(u.region).words;
      const role = { neuron: u.neuron, region: u.region, boundary: boundary(u.weights, view.normalization),
                     description: `${words} at step ${snap.step}` +
                                  (was !== u.region ? ` (was ${region(was).words})` : "") };
      const grid = activationGrid(u.weights, view.normalization, temperature, duration);
      const tile = unitTile(grid, role, temperature, duration, { caption: was !== u.region });
      tile.classList.toggle("switched", was !== u.region);
      return tile;
    });
    maps.replaceChildren(...tiles);
    tiles.forEach((tile) => tile.draw());
    const units = snap.units.map((u) => `unit ${u.neuron} ${region(u.region).words}`).join(", ");
    const gap = snap.closest_distance === null ? "" : `; closest pair ${snap.closest_distance.toExponential(2)} apart`;
    text.textContent = `Step ${snap.step} of ${last}: loss ${snap.loss.toPrecision(3)}; ${units}${gap}.`;
    text.dataset.step = snap.step;
    if (snap.closest_distance !== null) drawDistances(canvas, t, index);
  }

  function stop() {
    clearInterval(view.timer);
    view.timer = 0;
    play.textContent = "Play";
    text.setAttribute("aria-live", "polite");
  }

  play.addEventListener("click", () => {
    if (view.timer) return stop();
    const end = view.trajectory.snapshots.length - 1;
    if (view.at >= end) show(0);
    play.textContent = "Pause";
    text.setAttribute("aria-live", "off");  // a step every frame would drown a screen reader
    view.timer = setInterval(() => (view.at >= end ? stop() : show(view.at + 1)), FRAME_MS);
  });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  onResize(maps, () => view.trajectory && show(view.at));

  function say(words) {
    q(".replay-controls").hidden = true;
    q(".distances").hidden = true;
    maps.replaceChildren();
    text.textContent = words;
  }

  /** Replay model id (its detail when known); a later call wins. */
  async function load(id, detail) {
    stop();
    text.classList.remove("error");
    const asked = ++view.asked;
    view.trajectory = null;
    detail = detail || await get(`/v1/models/${encodeURIComponent(id)}`);
    const r = detail.recipe;
    q(".replay-model").textContent = r
      ? `Model ${detail.id}: seed ${r.seed}, ${r.init}${r.init === "symmetric" ? ` (ε = ${r.perturbation ?? 0})` : ""}, ` +
        `${r.hidden_units} hidden units, ${r.steps} steps.`
      : `Model ${detail.id}: imported weights.`;
    if (!r) return say("No training to replay: this model's weights were imported, not trained here.");
    let trajectory;
    try {
      trajectory = await get(`/v1/models/${encodeURIComponent(detail.id)}/trajectory`);
    } catch (error) {
      if (!(error instanceof Problem) || error.status !== 404) throw error;
      return asked === view.asked && say(`No training to replay: ${error.message}`);
    }
    if (asked !== view.asked) return;
    Object.assign(view, { trajectory, normalization: detail.normalization });
    container.dataset.model = detail.id;
    slider.max = trajectory.snapshots.length - 1;
    q(".replay-controls").hidden = false;
    const sep = trajectory.separation_step;
    q(".replay-separation").textContent = sep === null ? "never" : String(sep);
    q(".replay-separation").dataset.step = sep === null ? "" : sep;
    q(".distance-words").textContent = distanceText(trajectory);
    const single = trajectory.snapshots[0].closest_distance === null;
    q(".distances").hidden = single;
    canvas.setAttribute("aria-label", distanceText(trajectory) +
                        ` Separation step: ${sep === null ? "never" : sep}.`);
    show(0);
  }

  return { load, stop };
}
