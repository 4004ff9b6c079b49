/**
 * Repeated measurements summarised as one figure and how far it can be trusted: the median, and
 * the smallest and largest of the values it was taken from.
 */
export interface Spread {
  min: number;
  max: number;
  /** Every measurement, in the order taken. */
  values: number[];
}

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function spreadOf(values: readonly number[]): Spread {
  return { min: Math.min(...values), max: Math.max(...values), values: [...values] };
}
