// The seeds lab: retrain from chosen seeds (a job), show its progress, then one row per seed with
// its units' maps coloured by region, the coverage rate, uncovered regions and duplicate units.

import { Problem, get, post, token, withModel } from "./api.js";
import { REQUIRED, region } from "./palette.js";
import { parseSeeds } from "./seeds.js";
import { unitTile } from "./unit-maps.js";

const DONE = ["succeeded", "failed", "cancelled"];
const POLL_MS = 150;
const TILE_RESOLUTION = 30;

export function setUpSeedsLab({ form, status, progress, grid, askToken, replay }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let seeds;
    try {
      seeds = parseSeeds(form.elements.seeds.value);
    } catch (error) {
      return say(status, error.message, "error");
    }
    const body = { seeds, init: form.elements.init.value, hidden_units: Number(form.elements.hidden.value) };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const job = await submit(body, askToken, status);
      if (!job) return;
      const done = await follow(job, status, progress);
      if (done.status === "succeeded") await renderGrid(grid, done.result, replay);
      else say(status, `The retrain ${done.status}: ${done.problem ? done.problem.detail : ""}`, "error");
    } catch (error) {
      say(status, error.message, "error");
    } finally {
      button.disabled = false;
    }
  });
}

/** Post a retrain with the admin token (asked once per tab); the job, or null without a token. */
export async function submit(body, askToken, status) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const secret = token.read() || await askToken();
    if (!secret) return say(status, "A retrain needs the admin token.", "error");
    try {
      return (await post("/v1/retrain", body, { Authorization: `Bearer ${secret}` })).body;
    } catch (error) {
      if (!(error instanceof Problem) || error.status !== 401) throw error;
      token.forget();
      say(status, "That admin token was refused; enter it again.", "error");
    }
  }
  return null;
}

/** Poll a job until it is done, showing its progress; the finished job. */
export async function follow(job, status, progress) {
  progress.hidden = false;
  while (!DONE.includes(job.status)) {
    const p = job.progress;
    progress.max = p.seeds_total * p.steps;
    progress.value = p.seeds_done * p.steps + (p.seeds_done < p.seeds_total ? p.step : 0);
    say(status, `Retrain ${job.status}: ${p.seeds_done} of ${p.seeds_total} seeds done` +
                (job.status === "running" ? `, step ${p.step} of ${p.steps}` : "") + ".");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await get(`/v1/jobs/${encodeURIComponent(job.id)}`);
  }
  progress.value = progress.max;
  progress.hidden = true;
  say(status, `Retrain ${job.status}.`);
  return job;
}

function say(status, text, kind = "info") {
  status.textContent = text;
  status.dataset.kind = kind;
  return null;
}

async function renderGrid(grid, result, replay) {
  const { comparison, models } = result;
  const roles = new Map(models.map((m) => [m.id, m.neurons]));
  const maps = await Promise.all(comparison.seeds.map((row) =>
    get(withModel(`/v1/maps?resolution=${TILE_RESOLUTION}`, row.model_id))));
  const covered = comparison.seeds.filter((r) => r.all_regions_covered).length;
  const summary = document.createElement("p");
  summary.id = "coverage";
  summary.textContent = `Coverage: ${covered} of ${comparison.seeds.length} seeds ` +
    `(${(comparison.coverage_rate * 100).toFixed(0)} %) give each of the three bad-roast regions a unit. ` +
    comparison.summary;
  const rows = comparison.seeds.map((row, i) => seedRow(row, roles.get(row.model_id), maps[i], replay));
  grid.replaceChildren(summary, ...rows);
  rows.forEach((row) => row.querySelectorAll(".unit-map").forEach((tile) => tile.draw()));
}

function seedRow(row, neurons, maps, replay) {
  const section = document.createElement("section");
  section.className = "seed-row";
  section.dataset.seed = row.seed;
  const missing = REQUIRED.filter((key) => !(row.regions[key] || []).length);
  section.classList.toggle("uncovered", missing.length > 0);
  const head = document.createElement("h3");
  head.textContent = `Seed ${row.seed}`;
  const facts = document.createElement("p");
  facts.textContent = `Accuracy ${(row.train_accuracy * 100).toFixed(1)} % on the data, ` +
    `${(row.grid_accuracy * 100).toFixed(1)} % on the grid. ` +
    (missing.length ? `Leaves uncovered: ${missing.map((k) => region(k).words).join(", ")}.`
                    : "Covers all three regions.");
  const groups = row.duplicates.map((units, g) => {
    const p = document.createElement("p");
    p.className = "duplicate-group";
    p.dataset.units = units.join(",");
    p.textContent = `Duplicates ${String.fromCharCode(65 + g)}: units ${units.join(", ")} are identical.`;
    return p;
  });
  const tiles = document.createElement("div");
  tiles.className = "seed-tiles";
  for (const role of neurons) {
    const tile = unitTile(maps.neurons[role.neuron], role, maps.temperature, maps.duration,
                          { caption: false });
    const g = row.duplicates.findIndex((units) => units.includes(role.neuron));
    if (g >= 0) {
      tile.classList.add("duplicate");
      const mark = document.createElement("span");
      mark.className = "duplicate-mark";
      mark.textContent = `= ${String.fromCharCode(65 + g)}`;
      mark.title = `duplicate group ${String.fromCharCode(65 + g)}`;
      tile.querySelector("figcaption").append(" ", mark);
    }
    tiles.append(tile);
  }
  const again = document.createElement("button");
  again.type = "button";
  again.className = "replay-seed";
  again.textContent = `Replay seed ${row.seed}'s training`;
  again.addEventListener("click", () => replay(row.model_id));
  section.append(head, facts, ...groups, tiles, again);
  return section;
}
