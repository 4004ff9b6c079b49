export const TICK_MODES = ['ltp', 'quote', 'full'] as const;
export type TickMode = (typeof TICK_MODES)[number];

export interface DepthLevel {
  price: number;
  quantity: number;
  orders: number;
}

export interface Ohlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

/**
 * One market-data update, as every consumer sees it. Times are ISO-8601 strings except
 * `receivedAt`, the agent worker's receipt time in epoch milliseconds (sub-ms precision),
 * kept numeric so consumers can measure latency cheaply.
 */
export interface Tick {
  instrument: string;
  token: number;
  mode: TickMode;
  tradable: boolean;
  lastPrice: number;
  /** Exchange timestamp when the broker sends one, else the receipt time. */
  timestamp: string;
  receivedAt: number;
  lastQuantity?: number;
  averagePrice?: number;
  volume?: number;
  totalBuyQuantity?: number;
  totalSellQuantity?: number;
  ohlc?: Ohlc;
  /** Percent change of the last price against the previous close. */
  change?: number;
  lastTradeTime?: string;
  oi?: number;
  oiDayHigh?: number;
  oiDayLow?: number;
  depth?: { buy: DepthLevel[]; sell: DepthLevel[] };
}
