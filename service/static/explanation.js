// The explanation of one reading as text: verdict, responsible units and their reasons, Shapley
// bars against their baseline, good windows and the nearest flip. The map draws the same answer.

import { region } from "./palette.js";
import { fromShown } from "./units.js";

/** The parts of an answer the map draws, in °C whatever unit the answer came in. */
export function drawn(p) {
  const c = (v) => fromShown(v, p.temperature_unit);
  const cf = p.counterfactual;
  const flip = cf.nearest_flip && { ...cf.nearest_flip, temperature: c(cf.nearest_flip.temperature) };
  return {
    temperature: c(p.temperature), duration: p.duration, flip,
    windows: { temperature: cf.good_temperature_ranges.map(([lo, hi]) => [c(lo), c(hi)]),
               duration: cf.good_duration_ranges },
  };
}

const el = (tag, text, cls) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
};

export function renderExplanation(panel, p, threshold) {
  const u = `°${p.temperature_unit}`;
  const verdict = el("p", "", `verdict ${p.label}`);
  verdict.id = "verdict";
  verdict.dataset.label = p.label;
  verdict.append(el("strong", p.label === "good" ? "Good roast" : "Bad roast"),
    ` — ${p.temperature.toFixed(1)} ${u}, ${p.duration.toFixed(2)} min: probability ` +
    `${p.probability.toFixed(3)} ${p.probability >= threshold ? "≥" : "<"} threshold ${threshold.toFixed(2)}` +
    (p.extrapolated ? " (outside the training ranges: extrapolated)" : ""));
  panel.replaceChildren(verdict,
    units(p.label === "bad" ? "Responsible units" : "Units near their bad side",
          p.label === "bad" ? p.fired : p.near_bad, p.label === "bad" ? "fired" : "near-bad"),
    shapley(p.shapley, p.probability), windows(p, u), flip(p.counterfactual.nearest_flip, u));
}

function units(title, list, id) {
  const section = el("div");
  section.append(el("h3", title));
  if (!list.length) {
    section.append(el("p", "None."));
    return section;
  }
  const ul = el("ul", undefined, "reasons");
  ul.id = id;
  for (const r of list) {
    const li = el("li");
    li.dataset.neuron = r.neuron;
    li.style.setProperty("--region", region(r.region).colour);
    li.append(el("strong", `Unit ${r.neuron} (${region(r.region).words}): `), r.reason);
    ul.append(li);
  }
  section.append(ul);
  return section;
}

function shapley(s, probability) {
  const section = el("div", undefined, "shapley");
  const base = s.baseline_kind === "data"
    ? `the average over ${s.background_size} training readings` : "the mean reading";
  section.append(el("h3", "Shapley values"),
    el("p", `Against ${base}: expected probability ${s.baseline_probability.toFixed(3)}; ` +
            `temperature ${signed(s.temperature)}, duration ${signed(s.duration)}, ` +
            `together ${probability.toFixed(3)}.`));
  const scale = Math.max(Math.abs(s.temperature), Math.abs(s.duration), 1e-9);
  for (const [name, value] of [["temperature", s.temperature], ["duration", s.duration]]) {
    const row = el("div", undefined, "bar-row");
    const track = el("div", undefined, "bar-track");
    const bar = el("div", undefined, `bar ${value < 0 ? "negative" : "positive"}`);
    bar.style.width = `${(Math.abs(value) / scale * 50).toFixed(2)}%`;
    track.append(bar);
    track.setAttribute("aria-hidden", "true");
    row.append(el("span", name, "bar-name"), track, el("span", signed(value), "bar-value"));
    section.append(row);
  }
  return section;
}

const signed = (v) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;
const spans = (ranges, f, unit) =>
  ranges.length ? ranges.map(([lo, hi]) => `${f(lo)}–${f(hi)}`).join(", ") + ` ${unit}` : "none";

function windows(p, u) {
  const cf = p.counterfactual;
  const section = el("div");
  section.append(el("h3", "Good windows"), el("p",
    `Temperatures at ${p.duration.toFixed(2)} min: ${spans(cf.good_temperature_ranges, (v) => v.toFixed(1), u)}. ` +
    `Durations at ${p.temperature.toFixed(1)} ${u}: ${spans(cf.good_duration_ranges, (v) => v.toFixed(2), "min")}.`));
  return section;
}

function flip(f, u) {
  const text = f
    ? `Nearest other verdict (diamond on the map): ${f.temperature.toFixed(1)} ${u}, ${f.duration.toFixed(2)} min, ` +
      `probability ${f.probability.toFixed(3)}, ${f.distance.toFixed(2)} training standard deviations away.`
    : "No reading in the valid range gives the other verdict.";
  const p = el("p", text);
  p.id = "flip";
  return p;
}
