/**
 * Kite's instruments list (the `/instruments` CSV, about 100,000 rows, as the official client
 * parses it) turned into the instruments master's instruments. An instrument's id is
 * `EXCHANGE:TRADINGSYMBOL`: Kite hands a retired contract's token to a new one, so tokens are
 * never keys. A row that cannot be read is dropped and counted, never guessed at.
 */
import { type Instrument, instrumentId, isInstrumentId } from '../../../shared/instrument';
import { type MarketSession, NSE_EQUITY_SESSION } from '../../../shared/market-session';

const IST = { timeZone: 'Asia/Kolkata', utcOffsetMinutes: 330 } as const;
const session = (open: string, close: string): MarketSession => ({
  ...IST,
  openMinute: minutes(open),
  closeMinute: minutes(close),
  weekdaysOnly: true,
});

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Normal trading hours by exchange (IST); equities and their derivatives trade NSE's hours. */
const SESSIONS: Record<string, MarketSession> = {
  NSE: NSE_EQUITY_SESSION,
  BSE: NSE_EQUITY_SESSION,
  NFO: NSE_EQUITY_SESSION,
  BFO: NSE_EQUITY_SESSION,
  CDS: session('09:00', '17:00'),
  BCD: session('09:00', '17:00'),
  MCX: session('09:00', '23:30'),
  NCO: session('09:00', '17:00'),
};

export interface KiteInstrumentRow {
  instrument_token?: unknown;
  tradingsymbol?: unknown;
  name?: unknown;
  expiry?: unknown;
  strike?: unknown;
  tick_size?: unknown;
  lot_size?: unknown;
  instrument_type?: unknown;
  segment?: unknown;
  exchange?: unknown;
}

export interface ConvertedInstruments {
  instruments: Instrument[];
  /** Rows dropped: unreadable, or a second row with an id or token already seen. */
  dropped: number;
  /** A few examples of why, for the log. */
  reasons: string[];
}

export function toInstruments(rows: readonly unknown[]): ConvertedInstruments {
  const steps = convert(rows);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** The same, `pause()` every few thousand rows, so the agent's event loop keeps delivering ticks. */
export async function toInstrumentsInSteps(rows: readonly unknown[], pause: () => Promise<void>): Promise<ConvertedInstruments> {
  const steps = convert(rows);
  let step = steps.next();
  while (!step.done) {
    await pause();
    step = steps.next();
  }
  return step.value;
}

const STEP = 5000;

function* convert(rows: readonly unknown[]): Generator<void, ConvertedInstruments> {
  const instruments: Instrument[] = [];
  const ids = new Set<string>();
  const tokens = new Set<number>();
  const reasons: string[] = [];
  let dropped = 0;
  const drop = (reason: string) => {
    dropped++;
    if (reasons.length < 5) reasons.push(reason);
  };
  for (let index = 0; index < rows.length; index++) {
    if (index % STEP === STEP - 1) yield;
    const row = rows[index];
    // The CSV ends with a line break, which the client's parser reads as one empty row.
    if (isBlank(row)) continue;
    const instrument = typeof row === 'object' && row !== null ? toInstrument(row as KiteInstrumentRow) : 'not a row';
    if (typeof instrument === 'string') {
      drop(`row ${index + 1}: ${instrument}`);
    } else if (ids.has(instrument.id) || tokens.has(instrument.token)) {
      drop(`row ${index + 1}: ${instrument.id} (token ${instrument.token}) is listed twice`);
    } else {
      ids.add(instrument.id);
      tokens.add(instrument.token);
      instruments.push(instrument);
    }
  }
  return { instruments, dropped, reasons };
}

function isBlank(row: unknown): boolean {
  return typeof row === 'object' && row !== null && Object.values(row).every((value) => value === '' || value === undefined || Number.isNaN(value));
}

/** One row, or why it cannot be read. */
export function toInstrument(row: KiteInstrumentRow): Instrument | string {
  const token = Number(row.instrument_token);
  if (!Number.isInteger(token) || token <= 0 || token > 0x7fffffff) return `bad instrument_token ${String(row.instrument_token).slice(0, 20)}`;
  const exchange = text(row.exchange);
  const tradingsymbol = text(row.tradingsymbol);
  const id = instrumentId(exchange, tradingsymbol);
  if (!isInstrumentId(id)) return `bad exchange or tradingsymbol ${JSON.stringify(id.slice(0, 60))}`;
  const tickSize = Number(row.tick_size);
  const lotSize = Number(row.lot_size);
  if (!(tickSize > 0 && Number.isFinite(tickSize))) return `${id}: bad tick_size`;
  if (!(Number.isInteger(lotSize) && lotSize >= 0)) return `${id}: bad lot_size`;
  const segment = text(row.segment);
  const instrument: Instrument = {
    id,
    token,
    exchange,
    tradingsymbol,
    name: text(row.name),
    segment,
    instrumentType: text(row.instrument_type),
    tickSize,
    lotSize,
    tradable: segment !== 'INDICES',
    session: SESSIONS[exchange] ?? NSE_EQUITY_SESSION,
  };
  const expiry = expiryText(row.expiry);
  if (expiry) instrument.expiry = expiry;
  const strike = Number(row.strike);
  if (strike > 0 && Number.isFinite(strike)) instrument.strike = strike;
  return instrument;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The client turns `yyyy-mm-dd` into a Date at UTC midnight; the date is what matters. */
function expiryText(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return undefined;
}
