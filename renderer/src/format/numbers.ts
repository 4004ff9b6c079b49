/**
 * Numbers as Indian traders read them: en-IN digit grouping (1,23,45,678.50), prices with the
 * decimals of the instrument's tick size, signed percentages, and lakh / crore for summaries.
 * Formatters are made once per decimals count: creating an Intl.NumberFormat per cell is slow.
 */
const formats = new Map<string, Intl.NumberFormat>();

/** `negative`: a minus only for what is below zero once rounded (never "-0.00" from float noise). */
function formatOf(minimumFractionDigits: number, maximumFractionDigits = minimumFractionDigits, signDisplay: 'negative' | 'exceptZero' = 'negative'): Intl.NumberFormat {
  const key = `${minimumFractionDigits}:${maximumFractionDigits}:${signDisplay}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.NumberFormat('en-IN', { minimumFractionDigits, maximumFractionDigits, signDisplay })));
  return format;
}

/** Decimals a tick size needs: 0.05 → 2, 0.0025 → 4, 1 → 0. */
export function decimalsOf(tickSize: number | undefined): number {
  if (tickSize === undefined || !(tickSize > 0)) return 2;
  for (let decimals = 0; decimals <= 6; decimals++) {
    const scaled = tickSize * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return Math.max(decimals, 2);
  }
  return 6;
}

export const DASH = '—';

export function formatPrice(value: number | undefined, decimals = 2): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  return formatOf(decimals).format(value);
}

/** `+1.25%`, `-0.40%`, `0.00%`. */
export function formatChange(percent: number | undefined): string {
  if (percent === undefined || !Number.isFinite(percent)) return DASH;
  return `${formatOf(2, 2, 'exceptZero').format(percent)}%`;
}

export function formatQuantity(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  return formatOf(0).format(value);
}

/** Large figures for summaries: 12,345 · 1.23 L · 4.56 Cr. */
export function formatCompact(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  // The unit is chosen after rounding: 99,99,999 is 1.00 Cr, not 100.00 L.
  if (Math.abs(Math.round(value / 1e3) / 100) >= 100) return `${formatOf(2).format(value / 1e7)} Cr`;
  if (Math.abs(Math.round(value)) >= 1e5) return `${formatOf(2).format(value / 1e5)} L`;
  return formatOf(0).format(value);
}

export function formatRupees(value: number | undefined, decimals = 2): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  const negative = Number(value.toFixed(decimals)) < 0;
  return `${negative ? '-' : ''}₹${formatOf(decimals).format(Math.abs(value))}`;
}

export type Direction = 'up' | 'down' | 'flat';

export function directionOf(value: number | undefined): Direction {
  if (value === undefined || !Number.isFinite(value) || value === 0) return 'flat';
  return value > 0 ? 'up' : 'down';
}
