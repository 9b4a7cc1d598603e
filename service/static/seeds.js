// Seeds as people type them: "0-11", "1, 4, 9", "0-3, 10". The server checks them again.

export const MAX_SEEDS = 64;
const MAX_SEED = 2 ** 32 - 1;

/** Return the distinct seeds of text in order, or throw an Error saying what is wrong. */
export function parseSeeds(text) {
  const seeds = [];
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:\s*[-–]\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a seed or a range such as 0-11`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`the range ${part} runs backwards`);
    if (hi > MAX_SEED) throw new Error(`seeds go up to ${MAX_SEED}`);
    if (hi - lo + 1 > MAX_SEEDS) throw new Error(`at most ${MAX_SEEDS} seeds per retrain`);
    for (let s = lo; s <= hi; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  if (!seeds.length) throw new Error("give at least one seed, for example 0-11");
  if (seeds.length > MAX_SEEDS) throw new Error(`at most ${MAX_SEEDS} seeds per retrain`);
  return seeds;
}
