// Colours: viridis for every heat map (perceptually uniform, colour-blind safe) and the
// Okabe–Ito colours for regions, each always paired with its name in text.

const VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                 "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];
const STOPS = VIRIDIS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

/** The viridis colour of v in [0, 1] as [r, g, b]. */
export function viridis(v) {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + f * (STOPS[i + 1][k] - c)));
}

/** viridis at 256 levels, [r, g, b] after one another: a look-up table for heat maps. */
export const VIRIDIS_TABLE = Uint8ClampedArray.from({ length: 256 * 3 }, (_, i) => viridis(Math.floor(i / 3) / 255)[i % 3]);

export const REGIONS = {
  temperature_too_low: { words: "temperature too low", colour: "#0072B2" },
  duration_too_short: { words: "duration too short", colour: "#E69F00" },
  too_hot_for_too_long: { words: "too hot for too long", colour: "#CC79A7" },
  temperature_too_high: { words: "temperature too high", colour: "#D55E00" },
  duration_too_long: { words: "duration too long", colour: "#009E73" },
  unclear: { words: "unclear", colour: "#999999" },
  constant: { words: "constant", colour: "#bbbbbb" },
  inactive: { words: "inactive", colour: "#bbbbbb" },
};

// The three bad-roast regions of the ground truth that a network must divide between its units.
export const REQUIRED = ["temperature_too_low", "duration_too_short", "too_hot_for_too_long"];

export function region(key) {
  return REGIONS[key] || { words: key.replaceAll("_", " "), colour: "#999999" };
}
