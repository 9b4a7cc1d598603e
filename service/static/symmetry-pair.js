// Two symmetric starts side by side: identical units (ε = 0) and units a hair apart (small ε).
// A stored pair of those recipes is reused; otherwise both are trained through the job API.

import { get } from "./api.js";
import { mountReplay } from "./replay.js";
import { follow, submit } from "./seeds-lab.js";

export const PAIR = { seed: 0, hidden_units: 3, perturbations: [0, 1e-3] };

const SAME = ["seed", "hidden_units", "steps", "learning_rate", "data_seed", "samples"];

/** Stored models of one recipe but for ε (ε = 0 first), or null: a fair pair to compare. */
function storedPair(list) {
  const symmetric = list.models.filter((m) => m.usable && m.recipe && m.recipe.init === "symmetric" &&
    m.recipe.seed === PAIR.seed && m.recipe.hidden_units === PAIR.hidden_units);
  const [zero, small] = PAIR.perturbations;
  for (const a of symmetric.filter((m) => (m.recipe.perturbation ?? 0) === zero)) {
    const b = symmetric.find((m) => m.recipe.perturbation === small &&
                                    SAME.every((k) => m.recipe[k] === a.recipe[k]));
    if (b) return [a.id, b.id];
  }
  return null;
}

async function train(epsilon, { askToken, status, progress }) {
  const body = { seeds: [PAIR.seed], init: "symmetric", perturbation: epsilon,
                 hidden_units: PAIR.hidden_units };
  const job = await submit(body, askToken, status);
  if (!job) return null;
  const done = await follow(job, status, progress);
  if (done.status !== "succeeded") throw new Error(`the retrain for ε = ${epsilon} ${done.status}`);
  return done.result.models[0].id;
}

/** Wire the button that fills container with the two replays. */
export function setUpPair({ button, container, status, progress, askToken, axes }) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      let ids = storedPair(await get("/v1/models?limit=100"));
      if (!ids) {
        ids = [];
        for (const epsilon of PAIR.perturbations) {  // one after the other: one token prompt
          const id = await train(epsilon, { askToken, status, progress });
          if (!id) return;
          ids.push(id);
        }
      }
      const panels = PAIR.perturbations.map((epsilon) => {
        const panel = document.createElement("section");
        panel.className = "replay-half";
        panel.dataset.perturbation = epsilon;
        panel.setAttribute("aria-label", `Symmetric start with ε = ${epsilon}`);
        const head = document.createElement("h3");
        head.textContent = `ε = ${epsilon}` + (epsilon ? " (units a hair apart)" : " (identical units)");
        const body = document.createElement("div");
        panel.append(head, body);
        return { panel, replay: mountReplay(body, axes) };
      });
      container.replaceChildren(...panels.map((p) => p.panel));
      await Promise.all(panels.map((p, i) => p.replay.load(ids[i])));
      status.textContent = `Replaying seed ${PAIR.seed} from a symmetric start with ε = 0 and ε = ${PAIR.perturbations[1]}.`;
      status.dataset.kind = "info";
    } catch (error) {
      status.textContent = error.message;
      status.dataset.kind = "error";
    } finally {
      button.disabled = false;
    }
  });
}
