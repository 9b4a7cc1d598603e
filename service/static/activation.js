// A unit's activation computed in the page from a snapshot's weights. The weights act on normalised
// inputs: x = (reading − mean) / std per input, with the model's normalisation (/v1/models/{id}).

const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The unit's pre-activation a_t·t + a_d·d + c on raw °C and minutes (its boundary where it is 0). */
export function boundary(weights, { mean, std }) {
  const a_t = weights.temperature / std.temperature, a_d = weights.duration / std.duration;
  return { temperature_coef: a_t, duration_coef: a_d,
           intercept: weights.bias - a_t * mean.temperature - a_d * mean.duration };
}

/** Activation grid (rows by duration, columns by temperature), as /v1/maps gives its units. */
export function activationGrid(weights, normalization, temperature, duration) {
  const b = boundary(weights, normalization);
  return duration.map((d) => {
    const base = b.duration_coef * d + b.intercept;
    return temperature.map((t) => sigmoid(b.temperature_coef * t + base));
  });
}
