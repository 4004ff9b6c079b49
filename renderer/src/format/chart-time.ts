/**
 * lightweight-charts draws times as UTC; the exchange's wall clock is what a trader reads, so
 * bar times are shifted by the zone's offset before they are drawn.
 */
import type { UTCTimestamp } from 'lightweight-charts';
import type { Candle } from '../../../shared/candle';

/** Zones without daylight saving whose offset is known, so a chart needs no time-zone database. */
const FIXED_OFFSETS: Record<string, number> = { 'Asia/Kolkata': 19_800, 'Asia/Calcutta': 19_800, UTC: 0, 'Etc/UTC': 0 };

/** The offset of a time zone from UTC at an instant, in seconds (IST: 19,800). */
export function zoneOffsetSeconds(timeZone: string, at: Date): number {
  return FIXED_OFFSETS[timeZone] ?? databaseOffsetSeconds(timeZone, at);
}

/** The offset from the browser's time-zone database. */
export function databaseOffsetSeconds(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const local = Date.UTC(value('year'), value('month') - 1, value('day'), value('hour'), value('minute'), value('second'));
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 1000);
}

/** A bar's time as the chart draws it: the exchange's wall clock, written as if it were UTC. */
export function chartTime(candle: Pick<Candle, 'time'>, offsetSeconds: number): UTCTimestamp {
  return (Math.floor(Date.parse(candle.time) / 1000) + offsetSeconds) as UTCTimestamp;
}

