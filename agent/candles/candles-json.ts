/**
 * A candles answer written as JSON bytes straight from packed bars: a year of minutes is 94,000
 * candles, and building an object and a date string for each, then stringifying them, costs
 * several times the query itself. The bytes are exactly what `JSON.stringify` would write for the
 * same answer (a test holds it to that).
 */
import type { CandlesResult } from '../../shared/contract/api';
import { CLOSE, HIGH, LOW, type MinuteBlock, OI, OPEN, STRIDE, VOLUME } from './minute-block';

const MINUTES_PER_DAY = 1440;
/** `HH:MM:00Z","open":` for every minute of a day, as bytes: the end of a time and the next key. */
const CLOCK = Array.from({ length: MINUTES_PER_DAY }, (_, m) =>
  Buffer.from(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00Z","open":`, 'latin1'),
);
const KEYS = {
  time: Buffer.from('{"time":"', 'latin1'),
  high: Buffer.from(',"high":', 'latin1'),
  low: Buffer.from(',"low":', 'latin1'),
  close: Buffer.from(',"close":', 'latin1'),
  volume: Buffer.from(',"volume":', 'latin1'),
  oi: Buffer.from(',"oi":', 'latin1'),
};
/** The most bytes one candle can take (six numbers of at most 24 characters, the time, keys). */
const MAX_CANDLE_BYTES = 256;
/** What a candle takes at most in practice: the first guess of the size. */
const TYPICAL_CANDLE_BYTES = 120;

class Writer {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for `bytes` more. */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  bytes(bytes: Buffer): void {
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < bytes.length; i++) buf[at++] = bytes[i]!;
    this.at = at;
  }

  /** ASCII text (dates, numbers). */
  ascii(text: string): void {
    this.at += this.buf.write(text, this.at, 'latin1');
  }

  text(text: string): void {
    this.at += this.buf.write(text, this.at, 'utf8');
  }

  /** A number as `JSON.stringify` writes it. */
  number(x: number): void {
    // Prices on a tick grid of 0.01 or 0.0001 and whole volumes: digits by hand. Anything else
    // (or anything large) goes through String, which is what JSON.stringify uses.
    // Below 1e11 the doubles are far closer together than 0.0001, so k / scale is the shortest form.
    if (x >= 0 && x < 1e11) {
      for (const scale of SCALES) {
        const k = Math.round(x * scale);
        if (k / scale === x && k < 9e15) {
          this.scaled(k, scale);
          return;
        }
      }
    }
    this.ascii(Number.isFinite(x) ? String(x) : 'null');
  }

  /** `k / scale` in decimal, without trailing zeros. */
  private scaled(k: number, scale: number): void {
    const whole = Math.floor(k / scale);
    let fraction = k - whole * scale;
    this.digits(whole);
    if (fraction === 0) return;
    const buf = this.buf;
    buf[this.at++] = 46; // .
    let place = scale / 10;
    while (fraction > 0) {
      const digit = Math.floor(fraction / place);
      buf[this.at++] = 48 + digit;
      fraction -= digit * place;
      place /= 10;
    }
  }

  private digits(n: number): void {
    const buf = this.buf;
    if (n < 2147483648) {
      // Small integers (every price, most volumes): int32 arithmetic.
      let value = n | 0;
      let length = 1;
      for (let m = value; m >= 10; m = (m / 10) | 0) length++;
      let at = this.at + length;
      this.at = at;
      do {
        const next = (value / 10) | 0;
        buf[--at] = 48 + value - next * 10;
        value = next;
      } while (value > 0);
      return;
    }
    let length = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) length++;
    let at = this.at + length;
    this.at = at;
    while (n >= 1) {
      const next = Math.floor(n / 10);
      buf[--at] = 48 + (n - next * 10);
      n = next;
    }
  }
}

const SCALES = [100, 10_000];

/** The candles answer as JSON bytes; `bars` are in the packed layout (first number: epoch minute of the start). */
export function candlesJson(result: Omit<CandlesResult, 'candles'>, bars: MinuteBlock): Buffer {
  const { instrument, interval, timeZone, forming, warning } = result;
  const head = JSON.stringify({ instrument, interval, timeZone }).slice(0, -1);
  const tail = JSON.stringify({ forming, ...(warning ? { warning } : {}) }).slice(1);
  const out = new Writer(Buffer.byteLength(head) + 32 + bars.length * TYPICAL_CANDLE_BYTES);
  out.text(head);
  out.text(',"candles":[');
  const data = bars.data;
  let day = Number.NaN;
  let datePrefix = Buffer.alloc(0);
  for (let i = 0; i < bars.length; i++) {
    const at = i * STRIDE;
    const minute = data[at]!;
    const thisDay = Math.floor(minute / MINUTES_PER_DAY);
    if (thisDay !== day) {
      day = thisDay;
      datePrefix = Buffer.from(new Date(day * 86_400_000).toISOString().slice(0, 11), 'latin1');
    }
    out.reserve(MAX_CANDLE_BYTES);
    if (i > 0) out.buf[out.at++] = 44; // ,
    out.bytes(KEYS.time);
    out.bytes(datePrefix);
    out.bytes(CLOCK[minute - day * MINUTES_PER_DAY]!);
    out.number(data[at + OPEN]!);
    out.bytes(KEYS.high);
    out.number(data[at + HIGH]!);
    out.bytes(KEYS.low);
    out.number(data[at + LOW]!);
    out.bytes(KEYS.close);
    out.number(data[at + CLOSE]!);
    out.bytes(KEYS.volume);
    out.number(data[at + VOLUME]!);
    const oi = data[at + OI]!;
    if (!Number.isNaN(oi)) {
      out.bytes(KEYS.oi);
      out.number(oi);
    }
    out.buf[out.at++] = 125; // }
  }
  out.reserve(Buffer.byteLength(tail) + 2);
  out.text('],');
  out.text(tail);
  return out.buf.subarray(0, out.at);
}
