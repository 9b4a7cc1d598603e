// The explorer's state and its wiring: load the model's maps, units and data, explain what is
// clicked or typed, follow the threshold, the temperature unit and the chosen model.

import { get, post, token, withModel } from "./api.js";
import { drawDecisionMap } from "./decision-map.js";
import { drawn, renderExplanation } from "./explanation.js";
import { fillPicker, renderModel } from "./models.js";
import { onResize } from "./plot.js";
import { mountReplay } from "./replay.js";
import { setUpSeedsLab } from "./seeds-lab.js";
import { setUpPair } from "./symmetry-pair.js";
import { drawUnitMaps } from "./unit-maps.js";
import { fromShown, shown } from "./units.js";

const MAP_RESOLUTION = 100;
const $ = (id) => document.getElementById(id);
const state = { model: null, unit: "C", threshold: 0.5, maps: null, neurons: [], samples: [],
                reading: null, explanation: null, frame: null, asked: 0 };

function drawMap() {
  if (state.maps) state.frame = drawDecisionMap($("decision-chart"), state);
}

function drawUnits() {
  if (state.maps) drawUnitMaps($("unit-maps"), state.maps, state.neurons);
}

/** The maps, units and detail of a model (the active one when id is null), all of the same model. */
async function fetchModel(id) {
  const [maps, neurons, detail] = await Promise.all([
    get(withModel(`/v1/maps?resolution=${MAP_RESOLUTION}`, id)),
    get(withModel("/v1/neurons", id)),
    get(id ? `/v1/models/${encodeURIComponent(id)}` : "/v1/models/active"),
  ]);
  const same = maps.model_id === detail.id && neurons.model_id === detail.id;
  return same || id ? { maps, neurons, detail } : fetchModel(detail.id);  // activated meanwhile
}

async function loadModel(id, fetched) {
  const { maps, neurons, detail } = fetched || await fetchModel(id);
  Object.assign(state, { model: detail.id, maps, neurons: neurons.neurons, explanation: null });
  drawMap();
  drawUnits();
  renderModel($("model-detail"), detail);
  replay.load(detail.id, detail).catch(replayError);
  $("map-summary").textContent = mapSummary();
  if (state.reading) await explain(state.reading);
}

function mapSummary() {
  const good = state.samples.filter((s) => s.good_roast).length;
  const units = state.neurons.map((n) => `unit ${n.neuron}: ${n.description}`).join("; ");
  return `Probability of a good roast over the training ranges, with the ${state.samples.length} ` +
    `training readings (${good} good as dots, the others bad as crosses), the decision boundary at ` +
    `threshold ${state.threshold.toFixed(2)} (solid) and each unit's boundary (dashed): ${units}.`;
}

/** Ask /v1/explain for a reading (°C, minutes) and show the answer; a later call wins. */
async function explain(reading) {
  state.reading = reading;
  const asked = ++state.asked;
  const body = { temperature: shown(reading.temperature, state.unit), duration: reading.duration,
                 temperature_unit: state.unit, threshold: state.threshold };
  const { body: answer } = await post(withModel("/v1/explain", state.model), body);
  if (asked !== state.asked) return;
  const p = answer.predictions[0];
  state.explanation = { ...p, drawn: drawn(p) };
  const panel = $("explanation");
  renderExplanation(panel, p, state.threshold);
  panel.dataset.temperature = reading.temperature;
  panel.dataset.duration = reading.duration;
  drawMap();
  performance.mark("explained");
}

function pointAt(event) {
  const box = $("map").getBoundingClientRect();
  const reading = state.frame.reading(event.clientX - box.left, event.clientY - box.top);
  fillForm(reading);
  return explain(reading).catch(showError);
}

function fillForm(reading) {
  const form = $("reading-form");
  form.elements.temperature.value = shown(reading.temperature, state.unit).toFixed(1);
  form.elements.duration.value = reading.duration.toFixed(2);
}

function moveWithKeys(event) {
  const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  if (!(event.key in steps) && event.key !== "Enter") return;
  event.preventDefault();
  const { t, d } = state.frame;
  const r = state.reading || { temperature: (t[0] + t[1]) / 2, duration: (d[0] + d[1]) / 2 };
  const [dx, dy] = steps[event.key] || [0, 0];
  const clamp = (v, [lo, hi]) => Math.min(hi, Math.max(lo, v));
  const next = { temperature: clamp(r.temperature + dx * (t[1] - t[0]) / 50, t),
                 duration: clamp(r.duration + dy * (d[1] - d[0]) / 50, d) };
  fillForm(next);
  explain(next).catch(showError);
}

function showError(error) {
  const panel = $("explanation");
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = `Could not explain: ${error.message}`;
  panel.replaceChildren(p);
}

function askToken() {
  const dialog = $("token-dialog");
  const input = dialog.querySelector("input");
  input.value = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const value = dialog.returnValue === "ok" ? input.value.trim() : "";
      if (value) token.keep(value);
      resolve(value || null);
    }, { once: true });
  });
}

function replayError(error) {
  const text = $("replay-main").querySelector(".replay-text");
  text.textContent = `Could not replay the training: ${error.message}`;
  text.classList.add("error");
}

/** Replay a model of the seeds lab in the replay panel, and move there. */
function replaySeed(id) {
  $("replay").scrollIntoView({ block: "start" });
  replay.load(id).then(() => $("replay-main").querySelector(".replay-step").focus(), replayError);
}

let pending = 0;
let replay = null;
function wire() {
  replay = mountReplay($("replay-main"), () => state.maps);
  $("map").addEventListener("click", pointAt);
  $("map").addEventListener("keydown", moveWithKeys);
  $("reading-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const f = event.target.elements;
    explain({ temperature: fromShown(Number(f.temperature.value), state.unit),
              duration: Number(f.duration.value) }).catch(showError);
  });
  $("threshold").addEventListener("input", (event) => {
    state.threshold = Number(event.target.value);
    $("threshold-value").textContent = state.threshold.toFixed(2);
    drawMap();
    clearTimeout(pending);
    if (state.reading) pending = setTimeout(() => explain(state.reading).catch(showError), 40);
  });
  for (const radio of document.querySelectorAll("input[name=unit]")) {
    radio.addEventListener("change", () => {
      state.unit = radio.value;
      const t = $("reading-form").elements.temperature;
      t.min = shown(0, state.unit); t.max = shown(500, state.unit);
      $("temperature-unit").textContent = `°${state.unit}`;
      if (state.reading) { fillForm(state.reading); explain(state.reading).catch(showError); }
      else drawMap();
    });
  }
  $("model").addEventListener("change", (event) => loadModel(event.target.value).catch(showError));
  onResize($("map"), drawMap);
  onResize($("unit-maps"), drawUnits);
  setUpSeedsLab({ form: $("seeds-form"), status: $("seeds-status"), progress: $("seeds-progress"),
                  grid: $("seeds-grid"), askToken, replay: replaySeed });
  setUpPair({ button: $("pair-button"), container: $("replay-pair"), status: $("pair-status"),
              progress: $("pair-progress"), askToken, axes: () => state.maps });
}

async function start() {
  performance.mark("modules");
  wire();
  const [list, dataset, model] = await Promise.all([
    get("/v1/models?limit=100"), get("/v1/dataset"), fetchModel(null)]);
  performance.mark("data");
  state.samples = dataset.samples;
  fillPicker($("model"), list, model.detail.id, model.detail);
  await loadModel(model.detail.id, model);
  document.body.dataset.ready = "true";
  performance.mark("ready");
}

start().catch((error) => {
  $("load-error").textContent = `The explorer could not load: ${error.message}`;
  $("load-error").hidden = false;
});
