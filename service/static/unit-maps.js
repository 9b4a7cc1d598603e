// One small activation map per hidden unit, in the same viridis scale (0 to 1) as every other map,
// titled with the unit's region and described in words.

import { region } from "./palette.js";
import { Frame } from "./plot.js";

/** A figure with the unit's activation map and its boundary; caption and text alternative. */
export function unitTile(grid, role, temperature, duration, { title, caption } = {}) {
  const figure = document.createElement("figure");
  figure.className = "unit-map";
  figure.dataset.neuron = role.neuron;
  figure.dataset.region = role.region;
  const { words, colour } = region(role.region);
  figure.style.setProperty("--region", colour);
  const heading = document.createElement("figcaption");
  heading.innerHTML = `<span class="swatch" aria-hidden="true"></span><strong></strong> <span></span>`;
  heading.querySelector("strong").textContent = title ?? `Unit ${role.neuron}`;
  heading.lastElementChild.textContent = words;
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label",
    `Activation of unit ${role.neuron} (${words}) over temperature and duration: ${role.description}`);
  figure.append(heading, canvas);
  if (caption !== false) {
    const text = document.createElement("p");
    text.className = "unit-description";
    text.textContent = role.description;
    figure.append(text);
  }
  figure.draw = () => {
    const frame = new Frame(canvas, temperature, duration);
    frame.heat(grid);
    const b = role.boundary;
    const ends = frame.line(b.temperature_coef, b.duration_coef, b.intercept);
    if (ends.length) frame.halo(ends, colour, 1.5, [4, 3]);
  };
  return figure;
}

/** Fill container with one tile per unit of the maps answer and draw them. */
export function drawUnitMaps(container, maps, neurons) {
  const tiles = neurons.map((role) =>
    unitTile(maps.neurons[role.neuron], role, maps.temperature, maps.duration));
  container.replaceChildren(...tiles);
  tiles.forEach((tile) => tile.draw());
  return tiles;
}
