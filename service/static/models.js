// The model picker: stored models, and the chosen one's metrics and loss curve.

export function fillPicker(select, list, chosen, detail) {
  const models = list.models.filter((m) => m.usable);
  if (detail && !models.some((m) => m.id === chosen)) models.unshift(detail);  // past the first page
  select.replaceChildren(...models.map((m) => {
    const option = document.createElement("option");
    option.value = m.id;
    const name = m.name ? `${m.name} (${m.id})` : m.id;
    const how = m.recipe ? `seed ${m.recipe.seed}, ${m.recipe.init}, ${m.recipe.hidden_units} units` : m.source;
    option.textContent = `${name} — ${how}${m.active ? " — active" : ""}`;
    option.selected = m.id === chosen;
    return option;
  }));
}

export function renderModel(panel, detail) {
  const m = detail.metrics;
  const rows = m ? [["Training accuracy", pct(m.train_accuracy)], ["Grid accuracy", pct(m.grid_accuracy)],
                    ["Final loss", m.final_loss.toPrecision(3)]] : [["Metrics", "none (imported weights)"]];
  const r = detail.recipe;
  if (r) rows.push(["Recipe", `seed ${r.seed}, ${r.init}, ${r.hidden_units} hidden units, ${r.steps} steps`]);
  rows.push(["Distinct units", `${detail.symmetry.distinct_units} of ${detail.neurons.length}`]);
  const table = document.createElement("dl");
  table.className = "metrics";
  for (const [k, v] of rows) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = v;
    table.append(dt, dd);
  }
  const figure = document.createElement("figure");
  figure.className = "loss";
  const canvas = document.createElement("canvas");
  const curve = detail.loss_curve;
  const caption = document.createElement("figcaption");
  caption.textContent = curve.length
    ? `Loss curve: ${curve[0].loss.toPrecision(3)} at step ${curve[0].step}, ` +
      `${curve[curve.length - 1].loss.toPrecision(3)} at step ${curve[curve.length - 1].step} (log scale)`
    : "No loss curve (imported weights).";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", caption.textContent);
  figure.append(canvas, caption);
  panel.replaceChildren(table, figure);
  if (curve.length) drawLoss(canvas, curve);
}

const pct = (v) => `${(v * 100).toFixed(1)} %`;

function drawLoss(canvas, curve) {
  const box = canvas.getBoundingClientRect(), ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(box.width * ratio);
  canvas.height = Math.round(box.height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const logs = curve.map((p) => Math.log10(Math.max(p.loss, 1e-12)));
  const lo = Math.min(...logs), hi = Math.max(...logs), last = curve[curve.length - 1].step || 1;
  const x = (s) => 4 + s / last * (box.width - 8);
  const y = (l) => 4 + (hi - l) / Math.max(hi - lo, 1e-9) * (box.height - 8);
  ctx.strokeStyle = "#31688e";
  ctx.lineWidth = 2;
  ctx.beginPath();
  curve.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(p.step), y(logs[i])));
  ctx.stroke();
}
