/**
 * Counter-based noise for the simulated history: every random number is a hash of where it is used
 * (seed, token, day, minute), so any of them can be drawn without drawing the ones before it.
 * Normal deviates are read from a table of quantiles by a hash's top bits: one hash and one lookup,
 * no log or trig, which matters when a start computes a day of minutes for 9,000 instruments.
 * Only arithmetic and V8's own log, exp and sqrt build the tables: the same on every machine.
 */

const NORMAL_BITS = 14;
/** `hash >>> NORMAL_SHIFT` picks a cell of NORMAL or LOGNORMAL from a hash's top bits. */
export const NORMAL_SHIFT = 32 - NORMAL_BITS;

/** Acklam's rational approximation of the inverse normal CDF (relative error below 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Normal quantiles at the middles of 2^14 equally likely cells, scaled to variance exactly 1. */
export const NORMAL = (() => {
  const table = new Float64Array(1 << NORMAL_BITS);
  let sumSquares = 0;
  for (let i = 0; i < table.length; i++) {
    table[i] = inverseNormal((i + 0.5) / table.length);
    sumSquares += table[i]! * table[i]!;
  }
  const scale = 1 / Math.sqrt(sumSquares / table.length);
  for (let i = 0; i < table.length; i++) table[i]! *= scale;
  return table;
})();

/** exp(0.5 z − 0.125) over the same cells, scaled to mean exactly 1: the volume noise. */
export const LOGNORMAL = (() => {
  const table = NORMAL.map((z) => Math.exp(0.5 * z - 0.125));
  const mean = table.reduce((sum, x) => sum + x, 0) / table.length;
  return table.map((x) => x / mean);
})();

/** lowbias32: a bijection on 32 bits with strong avalanche. */
export function mix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
