// The distance between the closest two units over training, both axes on a log scale, with the
// separation step (the closest distance 1,000× its value at step 0) and the shown step marked.

const FLOOR = 1e-12;  // a distance of exactly 0 (identical units) sits on the floor

/** Draw the closest distance of every snapshot; mark snapshot index `at` and the separation step. */
export function drawDistances(canvas, trajectory, at) {
  const box = canvas.getBoundingClientRect(), ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const snaps = trajectory.snapshots;
  const logs = snaps.map((s) => Math.log10(Math.max(s.closest_distance ?? 0, FLOOR)));
  const lo = Math.min(...logs), hi = Math.max(...logs, lo + 1);
  const last = Math.log10(snaps[snaps.length - 1].step + 1);
  const pad = 6, w = box.width - 2 * pad, h = box.height - 2 * pad;
  const x = (step) => pad + Math.log10(step + 1) / (last || 1) * w;
  const y = (l) => pad + (hi - l) / (hi - lo) * h;
  const sep = trajectory.separation_step;
  if (sep !== null) {
    ctx.save();
    ctx.strokeStyle = "#d55e00";
    ctx.lineWidth = 2;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(x(sep), pad);
    ctx.lineTo(x(sep), pad + h);
    ctx.stroke();
    ctx.restore();
  }
  ctx.strokeStyle = "#31688e";
  ctx.lineWidth = 2;
  ctx.beginPath();
  snaps.forEach((s, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(s.step), y(logs[i])));
  ctx.stroke();
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#4a4a4a";
  const floor = lo <= Math.log10(FLOOR);
  if (Math.max(...logs) > lo) ctx.fillText(`${(10 ** hi).toExponential(0)}`, pad + 2, pad + 10);
  ctx.fillText(floor ? "0" : `${(10 ** lo).toExponential(0)}`, pad + 2, pad + h - 2);
  const end = `step ${snaps[snaps.length - 1].step}`;
  ctx.fillText(end, pad + w - ctx.measureText(end).width - 2, pad + h - 2);
  if (sep !== null) {
    ctx.fillStyle = "#a04000";
    const words = `separated at step ${sep}`, width = ctx.measureText(words).width;
    ctx.fillText(words, Math.min(x(sep) + 4, pad + w - width - 2), pad + 10);
  }
  ctx.fillStyle = "#111";
  ctx.beginPath();
  ctx.arc(x(snaps[at].step), y(logs[at]), 4, 0, 2 * Math.PI);
  ctx.fill();
}

/** The plot in words: where the closest distance starts and ends and when the units separated. */
export function distanceText(trajectory) {
  const snaps = trajectory.snapshots;
  if (snaps[0].closest_distance === null) return "One unit: no pair to measure.";
  const first = snaps[0], end = snaps[snaps.length - 1];
  const fmt = (v) => (v === 0 ? "0" : v.toExponential(1));
  const story = snaps.every((s) => s.closest_distance === 0)
    ? "exactly 0 at every step: the units stay identical"
    : `${fmt(first.closest_distance)} at step 0, ${fmt(end.closest_distance)} at step ${end.step}`;
  return `Distance between the closest two units (log scales): ${story}.`;
}
