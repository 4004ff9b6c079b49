/**
 * Kite's instruments dump (`GET /instruments[/:exchange]`): CSV with Kite's header and columns,
 * a row per listed instrument. Clients parse it only when served as exactly `text/csv`.
 *
 * Written as Kite's dumps are (Zerodha's published samples): every line ends in CRLF, the last
 * one too, and float columns carry a decimal point. The official client's parser turns that last
 * line break into one more row with an empty `instrument_token`; readers must skip it.
 */
import type { EmulatedInstrument } from './instrument-listing';

export const INSTRUMENTS_CSV_HEADER =
  'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';

/** RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Kite writes its float columns with a decimal point: `0.0`, `9500.0`. */
function kiteFloat(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function row(i: EmulatedInstrument): string {
  return [
    String(i.token),
    String(i.token >>> 8),
    csvField(i.tradingsymbol),
    csvField(i.name),
    // The dump is made once a day; Kite's last_price there is not live, and the emulator's is 0.
    kiteFloat(0),
    i.expiry,
    kiteFloat(i.strike),
    String(i.tickSize),
    String(i.lotSize),
    csvField(i.instrumentType),
    csvField(i.segment),
    i.exchange,
  ].join(',');
}

/**
 * The dump of every listed instrument, or of one exchange's. An exchange with nothing listed
 * (or unknown) gets the header alone: an empty table, not an error.
 */
export function instrumentsCsv(instruments: readonly EmulatedInstrument[], exchange?: string): string {
  const rows = instruments.filter((i) => exchange === undefined || i.exchange === exchange).map(row);
  return `${[INSTRUMENTS_CSV_HEADER, ...rows].join('\r\n')}\r\n`;
}
