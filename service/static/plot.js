// A canvas whose box is exactly the plot area: its left and right edges are the lowest and highest
// temperature of the grid, its bottom and top edges the shortest and longest duration.

import { VIRIDIS_TABLE } from "./palette.js";

const tiles = new WeakMap();  // grid → its image, made once: redraws (threshold, resize) reuse it

function tile(grid) {
  if (tiles.has(grid)) return tiles.get(grid);
  const rows = grid.length, cols = grid[0].length;
  const image = new ImageData(cols, rows);
  const data = image.data;
  for (let r = 0; r < rows; r++) {
    const row = grid[r];
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      const level = 3 * (v >= 1 ? 255 : v > 0 ? Math.floor(v * 256) : 0);
      const at = ((rows - 1 - r) * cols + c) * 4;  // longest duration on top
      data[at] = VIRIDIS_TABLE[level];
      data[at + 1] = VIRIDIS_TABLE[level + 1];
      data[at + 2] = VIRIDIS_TABLE[level + 2];
      data[at + 3] = 255;
    }
  }
  const canvas = new OffscreenCanvas(cols, rows);
  canvas.getContext("2d").putImageData(image, 0, 0);
  tiles.set(grid, canvas);
  return canvas;
}

export class Frame {
  constructor(canvas, temperature, duration) {
    this.canvas = canvas;
    this.t = [temperature[0], temperature[temperature.length - 1]];
    this.d = [duration[0], duration[duration.length - 1]];
    this.fit();
  }

  /** Size the drawing buffer to the box (times the device's pixel ratio); return the context. */
  fit() {
    const ratio = window.devicePixelRatio || 1;
    const box = this.canvas.getBoundingClientRect();
    this.width = box.width;
    this.height = box.height;
    this.canvas.width = Math.max(1, Math.round(box.width * ratio));
    this.canvas.height = Math.max(1, Math.round(box.height * ratio));
    this.ctx = this.canvas.getContext("2d");
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return this.ctx;
  }

  x(t) { return (t - this.t[0]) / (this.t[1] - this.t[0]) * this.width; }
  y(d) { return (1 - (d - this.d[0]) / (this.d[1] - this.d[0])) * this.height; }

  /** The reading (°C, minutes) under a point of the box, in CSS pixels from its top left. */
  reading(px, py) {
    return {
      temperature: this.t[0] + px / this.width * (this.t[1] - this.t[0]),
      duration: this.d[0] + (1 - py / this.height) * (this.d[1] - this.d[0]),
    };
  }

  /** Draw grid values in [0, 1] (rows by duration, columns by temperature) in viridis. */
  heat(grid) {
    const rows = grid.length, cols = grid[0].length;
    // Grid point i sits at i / (n - 1) of the box: each image pixel is centred on its point.
    const cw = this.width / (cols - 1), ch = this.height / (rows - 1);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(tile(grid), -cw / 2, -ch / 2, this.width + cw, this.height + ch);
  }

  /** Points where a·t + b·d + c = 0 crosses the box's edges (two, or none). */
  line(a, b, c) {
    const hits = [];
    const [t0, t1] = this.t, [d0, d1] = this.d;
    if (Math.abs(b) > 1e-12) {
      for (const t of [t0, t1]) {
        const d = -(a * t + c) / b;
        if (d >= d0 && d <= d1) hits.push([t, d]);
      }
    }
    if (Math.abs(a) > 1e-12) {
      for (const d of [d0, d1]) {
        const t = -(b * d + c) / a;
        if (t > t0 && t < t1) hits.push([t, d]);
      }
    }
    return hits.length >= 2 ? hits.slice(0, 2) : [];
  }

  stroke(points, style, width, dash = []) {
    const ctx = this.ctx;
    ctx.save();
    ctx.strokeStyle = style;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    points.forEach(([t, d], i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, this.x(t), this.y(d)));
    ctx.stroke();
    ctx.restore();
  }

  /** A line with a halo, so that it reads on both ends of viridis. */
  halo(points, colour, width = 2, dash = []) {
    this.stroke(points, "rgba(255,255,255,0.9)", width + 3);
    this.stroke(points, colour, width, dash);
  }

  label(text, t, d, colour) {
    const ctx = this.ctx;
    ctx.save();
    ctx.font = "12px system-ui, sans-serif";
    const w = ctx.measureText(text).width + 8;
    const x = Math.min(Math.max(this.x(t) - w / 2, 2), this.width - w - 2);
    const y = Math.min(Math.max(this.y(d) - 9, 2), this.height - 20);
    ctx.fillStyle = "rgba(255,255,255,0.92)";
    ctx.fillRect(x, y, w, 18);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.strokeRect(x, y, w, 18);
    ctx.fillStyle = "#111";
    ctx.fillText(text, x + 4, y + 13);
    ctx.restore();
  }
}

/** Segments of the level line grid = level (marching squares), as pairs of [t, d]. */
export function contour(grid, temperature, duration, level) {
  const out = [];
  const at = (r, c) => grid[r][c] - level;
  const mix = (a, b, fa, fb) => a + (b - a) * (fa / (fa - fb));
  for (let r = 0; r + 1 < grid.length; r++) {
    for (let c = 0; c + 1 < grid[0].length; c++) {
      const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]];
      const v = corners.map(([i, j]) => at(i, j));
      const cuts = [];
      for (let k = 0; k < 4; k++) {
        const [i0, j0] = corners[k], [i1, j1] = corners[(k + 1) % 4];
        const f0 = v[k], f1 = v[(k + 1) % 4];
        if ((f0 < 0) !== (f1 < 0)) {
          cuts.push([mix(temperature[j0], temperature[j1], f0, f1), mix(duration[i0], duration[i1], f0, f1)]);
        }
      }
      if (cuts.length === 2) out.push(cuts);
      if (cuts.length === 4) out.push([cuts[0], cuts[1]], [cuts[2], cuts[3]]);
    }
  }
  return out;
}

/** Redraw when the element changes size (the page is responsive). */
export function onResize(element, draw) {
  let width = 0;
  new ResizeObserver(([entry]) => {
    const w = Math.round(entry.contentRect.width);
    if (w !== width) { width = w; draw(); }
  }).observe(element);
}
