/**
 * lightweight-charts draws times as UTC; the exchange's wall clock is what a trader reads, so
 * bar times are shifted by the zone's offset before they are drawn.
 */
import type { UTCTimestamp } from 'lightweight-charts';
import type { Candle } from '../../../shared/candle';

/** The offset of a time zone from UTC at an instant, in seconds (IST: 19,800). */
export function zoneOffsetSeconds(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const local = Date.UTC(value('year'), value('month') - 1, value('day'), value('hour'), value('minute'), value('second'));
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 1000);
}

/** A bar's time as the chart draws it: the exchange's wall clock, written as if it were UTC. */
export function chartTime(candle: Pick<Candle, 'time'>, offsetSeconds: number): UTCTimestamp {
  return (Math.floor(Date.parse(candle.time) / 1000) + offsetSeconds) as UTCTimestamp;
}

