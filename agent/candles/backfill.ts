/**
 * Fills the store's gaps from the provider's history. Only the parts of a range never fetched
 * are asked for, split by the provider's span limit for 1-minute candles and paced under its
 * request rate (one pacer for every instrument: the rate is the provider's, not a query's).
 * Queries for the same instrument run one after another, so two clients asking for the same gap
 * at once fetch it once: the second finds it filled. Each request's candles are stored as soon
 * as they arrive, so a backfill cut short keeps what it got, and progress is reported per
 * request. Broker data is checked: rows out of range, out of order, or with impossible prices
 * are dropped and counted.
 */
import type { Instrument } from '../../shared/instrument';
import { barStart, MINUTE_MS, type MarketSession } from '../../shared/market-session';
import type { CandleStore, MinuteRange, MinuteRow } from './candle-store';
import { HistoryUnavailable, type HistoryProvider } from './history-provider';
import type { ErrorCode } from '../../shared/errors';
import { TokenBucket } from '../broker/token-bucket';

export interface BackfillProgress {
  instrument: string;
  /** Epoch ms. */
  from: number;
  to: number;
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed';
  message?: string;
}

export interface BackfillOptions {
  store: CandleStore;
  provider: HistoryProvider;
  keyOf: (id: string) => number;
  /** A request the provider has not answered by then fails the backfill (default 30 s). */
  requestTimeoutMs?: number;
  onProgress?: (progress: BackfillProgress) => void;
  /** Rows of broker data that were dropped, and why. */
  onDropped?: (instrument: string, dropped: number) => void;
  /** Up to when live minutes are settled in the store (later ones are still forming: never fetched). */
  settledUntil?: (now: number) => number;
  now?: () => number;
}

export interface BackfillResult {
  /** Requests sent to the provider. */
  requests: number;
  /** Why the provider could not be read; what was fetched before is kept. */
  error?: string;
  /** What the user can do about it (`provider_unavailable` unless the provider says otherwise). */
  errorCode?: ErrorCode;
}

export class Backfill {
  private readonly pacer: TokenBucket;
  private readonly queues = new Map<number, Promise<unknown>>();
  private readonly now: () => number;
  private readonly closing = new AbortController();
  /** Requests sent since the start, for tests and the agent's figures. */
  requests = 0;

  constructor(private readonly options: BackfillOptions) {
    this.now = options.now ?? Date.now;
    // One request at a time, a gap apart: a burst would only be spread out by the broker's own limit.
    this.pacer = new TokenBucket({ capacity: 1, perSecond: options.provider.requestsPerSecond });
  }

  /** Makes [from, to) (epoch ms) of an instrument present in the store, as far as the provider has it. */
  ensure(instrument: Instrument, from: number, to: number): Promise<BackfillResult> {
    const key = this.options.keyOf(instrument.id);
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(() => this.fill(instrument, key, from, to));
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** Abandons every backfill in flight (the agent is stopping). */
  close(): void {
    this.closing.abort(new HistoryUnavailable('the agent is stopping'));
  }

  private async fill(instrument: Instrument, key: number, from: number, to: number): Promise<BackfillResult> {
    const { provider, store } = this.options;
    const now = this.now();
    const end = Math.floor(Math.min(to, provider.horizon(now), this.options.settledUntil?.(now) ?? now) / MINUTE_MS);
    const start = Math.floor(from / MINUTE_MS);
    if (end <= start || !provider.hasHistory(instrument)) return { requests: 0 };
    const chunks = split(store.gaps(key, start, end), provider.spanDays.minute * 24 * 60);
    if (chunks.length === 0) return { requests: 0 };
    const progress = (done: number, state: BackfillProgress['state'], message?: string) =>
      this.options.onProgress?.({
        instrument: instrument.id,
        from: chunks[0]![0] * MINUTE_MS,
        to: chunks.at(-1)![1] * MINUTE_MS,
        done,
        total: chunks.length,
        state,
        ...(message === undefined ? {} : { message }),
      });
    progress(0, 'running');
    let done = 0;
    let sent = 0;
    try {
      for (const chunk of chunks) {
        await this.pacer.take(this.closing.signal);
        this.requests++;
        sent++;
        const rows = await this.fetch(instrument, chunk);
        const clean = cleanRows(rows, chunk, instrument.session);
        if (clean.length < rows.length) this.options.onDropped?.(instrument.id, rows.length - clean.length);
        const covered = this.coverable(chunk, clean, now);
        if (covered[1] > covered[0]) store.insertHistory(key, covered, clean, { replaceLive: provider.replacesLive });
        done++;
        progress(done, done === chunks.length ? 'done' : 'running');
      }
      return { requests: done };
    } catch (error) {
      const message = reason(error, provider.name);
      progress(done, 'failed', message);
      return { requests: sent, error: message, errorCode: error instanceof HistoryUnavailable ? error.code : 'provider_unavailable' };
    }
  }

  /**
   * What a request's answer covers. A broker's history of the last hour may lag behind the
   * market: a minute it does not have yet is not marked fetched (nor are the live minutes there
   * replaced by nothing), so a later query asks again.
   */
  private coverable([from, to]: MinuteRange, rows: readonly MinuteRow[], now: number): MinuteRange {
    if (!this.options.provider.replacesLive || to * MINUTE_MS < now - RECENT_MS) return [from, to];
    return [from, rows.length > 0 ? rows.at(-1)![0] + 1 : from];
  }

  /** One request, abandoned after the timeout (a timer of its own: it must keep the process waiting). */
  private async fetch(instrument: Instrument, [from, to]: MinuteRange): Promise<MinuteRow[]> {
    const timeout = new AbortController();
    const ms = this.options.requestTimeoutMs ?? 30_000;
    const timer = setTimeout(() => timeout.abort(new HistoryUnavailable(`${this.options.provider.name} did not answer in time`)), ms);
    const signal = AbortSignal.any([this.closing.signal, timeout.signal]);
    try {
      return await Promise.race([
        this.options.provider.fetchMinutes(instrument, from * MINUTE_MS, to * MINUTE_MS, signal),
        // A provider that ignores its signal still cannot hold the backfill.
        new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** How far back a broker's history may lag behind the market. */
const RECENT_MS = 60 * 60_000;

/** Ranges cut into pieces of at most `maxMinutes`. */
export function split(ranges: readonly MinuteRange[], maxMinutes: number): MinuteRange[] {
  const pieces: MinuteRange[] = [];
  for (const [from, to] of ranges) {
    for (let at = from; at < to; at += maxMinutes) pieces.push([at, Math.min(to, at + maxMinutes)]);
  }
  return pieces;
}

/** Provider rows that make sense: inside the range and the session, ascending, prices positive and consistent. */
export function cleanRows(rows: readonly MinuteRow[], [from, to]: MinuteRange, session: MarketSession): MinuteRow[] {
  const clean: MinuteRow[] = [];
  let last = -Infinity;
  for (const row of rows) {
    const [minute, open, high, low, close, volume, oi] = row;
    const ok =
      Number.isInteger(minute) && minute >= from && minute < to && minute > last &&
      open > 0 && close > 0 && low > 0 && high >= low && high >= open && high >= close && low <= open && low <= close &&
      Number.isFinite(high) && Number.isFinite(volume) && volume >= 0 && (oi === null || (Number.isFinite(oi) && oi >= 0));
    if (!ok || barStart(minute * MINUTE_MS, 'minute', session) === undefined) continue;
    last = minute;
    clean.push(row);
  }
  return clean;
}

function reason(error: unknown, provider: string): string {
  if (error instanceof HistoryUnavailable) return error.message;
  return `${provider} history failed: ${error instanceof Error ? error.message : String(error)}`;
}
