/**
 * Numbers as Indian traders read them: en-IN digit grouping (1,23,45,678.50), prices with the
 * decimals of the instrument's tick size, signed percentages, and lakh / crore for summaries.
 *
 * Written by hand rather than with `Intl.NumberFormat('en-IN')`: the same output (a test compares
 * them over many values), but a browser loads the locale's data on the page's first `Intl` call,
 * 40 to 120 ms on the way to the first price.
 */

/** A finite, non-negative number as plain decimal digits (no exponent), from its shortest form. */
function plainDecimal(abs: number): string {
  const shortest = String(abs);
  const e = shortest.indexOf('e');
  if (e < 0) return shortest;
  const mantissa = shortest.slice(0, e);
  const exponent = Number(shortest.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  const at = (point < 0 ? mantissa.length : point) + exponent;
  if (at <= 0) return `0.${'0'.repeat(-at)}${digits}`;
  if (at >= digits.length) return digits + '0'.repeat(at - digits.length);
  return `${digits.slice(0, at)}.${digits.slice(at)}`;
}

/** Adds one to a string of digits (`"0999"` → `"1000"`). */
function incremented(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return `1${'0'.repeat(digits.length)}`;
  return digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - i - 1);
}

/** 1234567 → `12,34,567`: the last three digits, then pairs. */
function groupIndian(integer: string): string {
  if (integer.length <= 3) return integer;
  let head = integer.slice(0, -3);
  let out = integer.slice(-3);
  while (head.length > 2) {
    out = `${head.slice(-2)},${out}`;
    head = head.slice(0, -2);
  }
  return `${head},${out}`;
}

/**
 * `value` with exactly `decimals` decimals, rounded half away from zero on its shortest decimal
 * form (as `Intl.NumberFormat` does: 1.005 → 1.01), grouped the Indian way. `negative`: a minus
 * only for what is below zero once rounded (never "-0.00" from float noise); `exceptZero` adds a
 * plus to what is above it.
 */
function grouped(value: number, decimals: number, signDisplay: 'negative' | 'exceptZero' = 'negative'): string {
  const [integerPart, fractionPart = ''] = plainDecimal(Math.abs(value)).split('.') as [string, string?];
  let digits: string;
  if (fractionPart.length <= decimals) digits = integerPart + fractionPart.padEnd(decimals, '0');
  else {
    digits = integerPart + fractionPart.slice(0, decimals);
    if (fractionPart.charCodeAt(decimals) >= 53 /* '5' */) digits = incremented(digits);
  }
  const integer = digits.slice(0, digits.length - decimals).replace(/^0+(?=\d)/, '') || '0';
  const text = decimals > 0 ? `${groupIndian(integer)}.${digits.slice(digits.length - decimals)}` : groupIndian(integer);
  const zero = !/[1-9]/.test(digits);
  if (zero) return text;
  if (value < 0) return `-${text}`;
  return signDisplay === 'exceptZero' ? `+${text}` : text;
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
  return grouped(value, decimals);
}

/** `+1.25%`, `-0.40%`, `0.00%`. */
export function formatChange(percent: number | undefined): string {
  if (percent === undefined || !Number.isFinite(percent)) return DASH;
  return `${grouped(percent, 2, 'exceptZero')}%`;
}

export function formatQuantity(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  return grouped(value, 0);
}

/** Large figures for summaries: 12,345 · 1.23 L · 4.56 Cr. */
export function formatCompact(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  // The unit is chosen after rounding: 99,99,999 is 1.00 Cr, not 100.00 L.
  if (Math.abs(Math.round(value / 1e3) / 100) >= 100) return `${grouped(value / 1e7, 2)} Cr`;
  if (Math.abs(Math.round(value)) >= 1e5) return `${grouped(value / 1e5, 2)} L`;
  return grouped(value, 0);
}

export function formatRupees(value: number | undefined, decimals = 2): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  const text = grouped(value, decimals);
  return text.startsWith('-') ? `-₹${text.slice(1)}` : `₹${text}`;
}

/** P&L as a trader reads it: always signed, `+₹1,234.50`, `-₹80.00`, and `₹0.00` for nothing. */
export function formatPnl(value: number | undefined, decimals = 2): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  const text = grouped(value, decimals, 'exceptZero');
  return text[0] === '+' || text[0] === '-' ? `${text[0]}₹${text.slice(1)}` : `₹${text}`;
}

/** Rupees for a summary (the top bar, a heat map's cell): `₹12,345`, `₹1.23 L`, `₹4.56 Cr`; `signed` adds a plus. */
export function formatRupeesCompact(value: number | undefined, signed = false): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  const text = formatCompact(value);
  if (text.startsWith('-')) return `-₹${text.slice(1)}`;
  return signed && /[1-9]/.test(text) ? `+₹${text}` : `₹${text}`;
}

/**
 * What a number field shows as it is typed: the integer part grouped the Indian way, the rest as
 * typed (`500000` → `5,00,000`, `1234.5` → `1,234.5`, `-` and `12.` kept mid-typing).
 */
export function groupTyped(text: string | number | undefined): string {
  if (text === undefined) return '';
  const match = /^(-?)(\d+)(.*)$/.exec(String(text));
  return match ? `${match[1]}${groupIndian(match[2]!)}${match[3]}` : String(text);
}

/** The number a grouped field's text holds: its separators dropped. */
export function ungroupTyped(text: string | undefined): string {
  return (text ?? '').replace(/,/g, '');
}

export type Direction = 'up' | 'down' | 'flat';

export function directionOf(value: number | undefined): Direction {
  if (value === undefined || !Number.isFinite(value) || value === 0) return 'flat';
  return value > 0 ? 'up' : 'down';
}

/** A byte rate: `512 B/s`, `12.4 KB/s`, `3.1 MB/s` (binary units). */
export function formatByteRate(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return DASH;
  if (bytesPerSecond < 1024) return `${Math.round(bytesPerSecond)} B/s`;
  if (bytesPerSecond < 1024 ** 2) return `${(bytesPerSecond / 1024).toFixed(1)} KB/s`;
  return `${(bytesPerSecond / 1024 ** 2).toFixed(1)} MB/s`;
}

/** Memory in MiB as people read it: `740 MB`, `3.8 GB`. */
export function formatMegabytes(mb: number | null | undefined): string {
  if (mb === null || mb === undefined || !Number.isFinite(mb)) return DASH;
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}
