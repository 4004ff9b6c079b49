export const CANDLE_INTERVALS = [
  'minute',
  '3minute',
  '5minute',
  '10minute',
  '15minute',
  '30minute',
  '60minute',
  'day',
] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

/** One OHLCV bar; `time` is the ISO-8601 start of the bar. */
export interface Candle {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  oi?: number;
}
