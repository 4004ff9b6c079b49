import type { MarketSession } from './market-session';

/** An instrument as the broker lists it; `id` is `EXCHANGE:TRADINGSYMBOL` as Kite writes it. */
export interface Instrument {
  id: string;
  token: number;
  exchange: string;
  tradingsymbol: string;
  name: string;
  segment: string;
  instrumentType: string;
  tickSize: number;
  lotSize: number;
  /** Indices carry prices but cannot be traded. */
  tradable: boolean;
  /** When its exchange trades, in the exchange's own time zone: candles are aligned to it. */
  session: MarketSession;
  /** Last trading day of a future or option (`yyyy-mm-dd`); absent for what does not expire. */
  expiry?: string;
  /** An option's strike price. */
  strike?: number;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const ID_PATTERN = /^([A-Z][A-Z0-9]{1,9}):([^\s:][^:\x00-\x1f\x7f]{0,49})$/;

export function instrumentId(exchange: string, tradingsymbol: string): string {
  return `${exchange}:${tradingsymbol}`;
}

/** Splits `NSE:NIFTY 50` into its parts; null when the text is not an instrument id. */
export function parseInstrumentId(id: string): { exchange: string; tradingsymbol: string } | null {
  const match = ID_PATTERN.exec(id);
  if (!match || id.trimEnd() !== id) return null;
  return { exchange: match[1]!, tradingsymbol: match[2]! };
}

export function isInstrumentId(id: string): boolean {
  return parseInstrumentId(id) !== null;
}

/** Kite's segment is the low byte of the instrument token. */
export function tokenSegment(token: number): number {
  return token & 0xff;
}

export const INDEX_SEGMENT = 9;

/** Kite sends prices as integers; this is what to divide them by, per segment. */
export function priceDivisor(token: number): number {
  switch (tokenSegment(token)) {
    case 3: // CDS
      return 10_000_000;
    case 6: // BCD
    case 12: // NCO
      return 10_000;
    default:
      return 100;
  }
}

export function isTradableToken(token: number): boolean {
  return tokenSegment(token) !== INDEX_SEGMENT;
}

/** Rounds a price to the nearest multiple of the tick size, free of float dust. */
export function roundToTick(price: number, tickSize: number): number {
  const steps = Math.round(price / tickSize);
  const decimals = Math.max(0, Math.ceil(-Math.log10(tickSize) - 1e-9)) + 1;
  return Number((steps * tickSize).toFixed(decimals));
}
