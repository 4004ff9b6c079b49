/**
 * Times as the exchange keeps them: IST for NSE and BSE, labelled; relative ages for staleness
 * ("3 s ago"); durations for uptimes.
 */
export const EXCHANGE_TIME_ZONE = 'Asia/Kolkata';

/**
 * IST is UTC+05:30 all year (India keeps no daylight saving), so the exchange's wall clock is
 * plain arithmetic. This also spares the page the time-zone database, which a browser loads on
 * its first zoned `Intl.DateTimeFormat` (tens of ms, on the way to the first price).
 */
const IST_OFFSET_MS = 19_800_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function istWallClock(time: string | number | Date | null | undefined): Date | null {
  if (time === null || time === undefined) return null;
  const ms = new Date(time).getTime();
  // Read with the UTC getters: this Date's "UTC" fields are IST's wall clock.
  return Number.isNaN(ms) ? null : new Date(ms + IST_OFFSET_MS);
}

const two = (value: number): string => (value < 10 ? `0${value}` : String(value));

/** `14:05:09 IST`. */
export function formatClock(time: string | number | Date | null | undefined): string {
  const wall = istWallClock(time);
  return wall ? `${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())} IST` : '—';
}

/** `02 Dec, 06:00 IST`. */
export function formatDateTime(time: string | number | Date | null | undefined): string {
  const wall = istWallClock(time);
  return wall ? `${two(wall.getUTCDate())} ${MONTHS[wall.getUTCMonth()]}, ${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())} IST` : '—';
}

/** The IST date of a time, `2024-12-02` (null for no time): which trading day it belongs to. */
export function istDayOf(time: string | number | Date | null | undefined): string | null {
  const wall = istWallClock(time);
  return wall ? `${wall.getUTCFullYear()}-${two(wall.getUTCMonth() + 1)}-${two(wall.getUTCDate())}` : null;
}

/**
 * A time in a table whose header says IST: `14:05:09` today (IST's day), `02 Dec 14:05` on
 * another day, so an order left from yesterday never reads as today's.
 */
export function formatTableTime(time: string | number | Date | null | undefined, now: number = Date.now()): string {
  const wall = istWallClock(time);
  if (!wall) return '—';
  if (istDayOf(time) === istDayOf(now)) return `${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())}`;
  return `${two(wall.getUTCDate())} ${MONTHS[wall.getUTCMonth()]} ${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}`;
}

/** `now`, `3 s ago`, `4 min ago`, `2 h ago`, `3 d ago`. */
export function formatAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return 'now';
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** `3 d 4 h`, `2 h 5 min`, `4 min 10 s`, `12 s`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${s % 60} s`;
  return `${s} s`;
}
