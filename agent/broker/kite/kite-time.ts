/**
 * Kite's times, which are IST wall-clock: request ranges as `yyyy-mm-dd hh:mm:ss`, candle times
 * as `2026-11-25T09:15:00+0530`. Written and read here by arithmetic on the fixed IST offset, never
 * through the process's own time zone.
 */
import { MINUTE_MS } from '../../../shared/market-session';

const IST_MS = 330 * MINUTE_MS;
const KITE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

const DAY_MS = 24 * 60 * MINUTE_MS;

/** The start (epoch ms) of the IST date holding `ms`: where Kite stamps a day candle. */
export function istDayStart(ms: number): number {
  return Math.floor((ms + IST_MS) / DAY_MS) * DAY_MS - IST_MS;
}

/** Epoch ms as Kite's IST wall-clock text: `2026-11-25 09:15:00`. */
export function istText(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `yyyy-mm-dd[ hh:mm[:ss]]` in IST to epoch ms. */
export function parseKiteTime(text: string | null): number | undefined {
  const match = text === null ? null : KITE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - IST_MS;
  return Number.isNaN(ms) ? undefined : ms;
}

/** Epoch ms as Kite writes a candle's time: `2026-11-25T09:15:00+0530`. */
export function kiteTime(ms: number): string {
  return `${new Date(ms + IST_MS).toISOString().slice(0, 19)}+0530`;
}

/**
 * A time the official client turned into a Date: it reads Kite's zone-less IST text in the
 * process's own zone, so the Date's local fields are the IST wall clock. Read back that way,
 * the instant is right in any zone.
 */
export function fromClientDate(value: unknown): number | undefined {
  if (typeof value === 'string') return parseKiteTime(value);
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return undefined;
  const d = value;
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()) - IST_MS;
}
