// Axis ticks as HTML around a plot canvas, in °C or °F and minutes.

import { fromShown, shown } from "./units.js";

/** Round numbers between lo and hi, about count of them. */
export function ticks(lo, hi, count = 5) {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

/** Fill the x axis (temperature) and y axis (duration) elements of a chart for a frame. */
export function drawAxes(chart, frame, unit, count = 5) {
  const x = chart.querySelector(".x-ticks"), y = chart.querySelector(".y-ticks");
  const [t0, t1] = frame.t.map((t) => shown(t, unit));
  x.replaceChildren(...ticks(t0, t1, count).map((v) => {
    const at = (fromShown(v, unit) - frame.t[0]) / (frame.t[1] - frame.t[0]);
    return tick(v, "left", at);
  }));
  y.replaceChildren(...ticks(frame.d[0], frame.d[1], count).map((v) => {
    const at = 1 - (v - frame.d[0]) / (frame.d[1] - frame.d[0]);
    return tick(v, "top", at);
  }));
  const title = chart.querySelector(".x-title");
  if (title) title.textContent = `Temperature (°${unit})`;
}

function tick(value, side, at) {
  const span = document.createElement("span");
  span.className = "tick";
  span.textContent = String(value);
  span.style[side] = `${(at * 100).toFixed(3)}%`;
  return span;
}
