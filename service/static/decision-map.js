// The decision map: probability of a good roast, the training readings, the decision boundary at
// the threshold, each unit's boundary labelled with its role, and the explained reading's windows
// and nearest flip.

import { drawAxes } from "./axes.js";
import { region } from "./palette.js";
import { Frame, contour } from "./plot.js";

export function drawDecisionMap(chart, state) {
  const { maps, neurons, samples, threshold, unit, explanation } = state;
  const canvas = chart.querySelector("canvas");
  const frame = new Frame(canvas, maps.temperature, maps.duration);
  frame.heat(maps.probability);
  drawSamples(frame, samples);
  for (const n of neurons) {
    const b = n.boundary;
    const ends = frame.line(b.temperature_coef, b.duration_coef, b.intercept);
    if (!ends.length) continue;
    const { colour, words } = region(n.region);
    frame.halo(ends, colour, 2, [7, 5]);
    const [[ta, da], [tb, db]] = ends;
    const along = [0.25, 0.5, 0.75][n.neuron % 3];  // staggered, so that labels rarely meet
    frame.label(`unit ${n.neuron}: ${words}`, ta + (tb - ta) * along, da + (db - da) * along, colour);
  }
  for (const segment of contour(maps.probability, maps.temperature, maps.duration, threshold)) {
    frame.stroke(segment, "#fff", 4);
    frame.stroke(segment, "#000", 1.5);
  }
  if (explanation) drawExplanation(frame, explanation);
  drawAxes(chart, frame, unit);
  return frame;
}

function drawSamples(frame, samples) {
  const ctx = frame.ctx;
  ctx.save();
  for (const s of samples) {
    const x = frame.x(s.temperature), y = frame.y(s.duration);
    ctx.beginPath();
    if (s.good_roast) {  // good: a filled dot; bad: a cross (shape, not colour alone)
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1;
      ctx.stroke();
    } else {
      ctx.moveTo(x - 3, y - 3); ctx.lineTo(x + 3, y + 3);
      ctx.moveTo(x + 3, y - 3); ctx.lineTo(x - 3, y + 3);
      ctx.strokeStyle = "rgba(255,255,255,0.85)";
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }
  ctx.restore();
}

/** Good windows as bright bars through the reading, the nearest flip as a diamond with an arrow. */
function drawExplanation(frame, e) {
  const { temperature: t, duration: d, windows, flip } = e.drawn;
  for (const [lo, hi] of windows.temperature) frame.halo([[lo, d], [hi, d]], "#1b5e20", 5);
  for (const [lo, hi] of windows.duration) frame.halo([[t, lo], [t, hi]], "#1b5e20", 5);
  const ctx = frame.ctx;
  if (flip) {
    arrow(frame, [t, d], [flip.temperature, flip.duration]);
    const fx = frame.x(flip.temperature), fy = frame.y(flip.duration);
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(fx, fy - 7); ctx.lineTo(fx + 7, fy); ctx.lineTo(fx, fy + 7); ctx.lineTo(fx - 7, fy);
    ctx.closePath();
    ctx.fillStyle = "#fff"; ctx.fill();
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.stroke();
    ctx.restore();
  }
  const x = frame.x(t), y = frame.y(d);
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, 8, 0, 2 * Math.PI);
  ctx.lineWidth = 4; ctx.strokeStyle = "#fff"; ctx.stroke();
  ctx.lineWidth = 2; ctx.strokeStyle = "#000"; ctx.stroke();
  ctx.restore();
}

function arrow(frame, from, to) {
  const [x0, y0] = [frame.x(from[0]), frame.y(from[1])];
  const [x1, y1] = [frame.x(to[0]), frame.y(to[1])];
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const ctx = frame.ctx;
  ctx.save();
  for (const [style, width] of [["#fff", 4], ["#000", 2]]) {
    ctx.strokeStyle = style; ctx.lineWidth = width;
    ctx.beginPath();
    ctx.moveTo(x0, y0); ctx.lineTo(x1, y1);
    for (const side of [-1, 1]) {
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 11 * Math.cos(angle + side * 0.45), y1 - 11 * Math.sin(angle + side * 0.45));
    }
    ctx.stroke();
  }
  ctx.restore();
}
