// Temperatures: everything is drawn in °C; the chosen unit only changes what is shown and sent.

export const toF = (c) => c * 9 / 5 + 32;
export const toC = (f) => (f - 32) * 5 / 9;

export function shown(celsius, unit) {
  return unit === "F" ? toF(celsius) : celsius;
}

export function fromShown(value, unit) {
  return unit === "F" ? toC(value) : value;
}

export function temperatureText(celsius, unit, digits = 1) {
  return `${shown(celsius, unit).toFixed(digits)} °${unit}`;
}

export function durationText(minutes, digits = 2) {
  return `${minutes.toFixed(digits)} min`;
}
