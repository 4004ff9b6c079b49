/**
 * Candles as a service: ticks of every instrument the ticker carries into 1-minute candles
 * stored in the agent's SQLite file, the provider's history fetched into the same store when a
 * query needs it, and the API method and stream topics that serve them.
 */
import type { Logger } from 'pino';
import type { Api } from '../../shared/contract/api';
import type { Topics } from '../../shared/contract/stream';
import type { ApiCore } from '../api/api-core';
import { rateLimited } from '../log/rate-limited-log';
import { Backfill } from '../candles/backfill';
import { candleObserver } from '../candles/candle-observer';
import { CandleQueries } from '../candles/candle-query';
import { CandleStore } from '../candles/candle-store';
import type { HistoryProvider } from '../candles/history-provider';
import { LiveCandles } from '../candles/live-candles';
import type { AgentDb } from '../store/agent-db';
import { backfillTopic } from '../stream/backfill-topic';
import { candlesTopic } from '../stream/candles-topic';
import type { StreamCore } from '../stream/stream-core';
import type { TickHub } from '../ticker/tick-hub';
import type { TickerSupervisor } from '../ticker/ticker-supervisor';
import type { Instruments } from './instruments-service';
import type { Service } from './service';

export interface CandlesServiceOptions {
  db: AgentDb;
  instruments: Instruments;
  hub: TickHub;
  ticker: TickerSupervisor;
  provider: HistoryProvider;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  log: Logger;
  /** False keeps ticks out of the candle store (a benchmark's baseline); queries still work. */
  live?: boolean;
  maxRangeDays?: number;
  /** How long after its end a minute waits for late ticks (default 2 s). */
  graceMs?: number;
}

export interface CandlesEngine {
  store: CandleStore;
  live: LiveCandles;
  backfill: Backfill;
  queries: CandleQueries;
}

export function candlesService(options: CandlesServiceOptions): Service<CandlesEngine> {
  const { instruments, hub, log } = options;
  const writeErrors = rateLimited(log, { everyMs: 30_000 });
  let live: LiveCandles | undefined;
  let backfill: Backfill | undefined;
  let unobserve: (() => void) | undefined;
  return {
    name: 'candles',
    start() {
      const store = new CandleStore(options.db.db);
      const keyOf = (id: string) => instruments.store.keyOf(id);
      const started = new LiveCandles({
        store,
        instrumentOf: (token) => instruments.registry.byTokenOf(token),
        keyOf,
        ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
        // A refusing disk fails every step: said once per half a minute, with how often it repeated.
        onWriteError: (error) => writeErrors('error', 'write', { err: error, lost: live?.lost ?? 0 }, 'candles could not be written; they stay queued'),
      });
      live = started;
      const progress = backfillTopic();
      const filler = new Backfill({
        store,
        provider: options.provider,
        keyOf: (id) => keyOf(id)!,
        settledUntil: (now) => started.settledUntil(now),
        onProgress: (p) => {
          progress.publish(p);
          if (p.state === 'failed') log.warn({ instrument: p.instrument, reason: p.message }, 'history backfill failed');
          // A backfill may write into the bars being formed live.
          if (p.state !== 'running' || p.done > 0) started.historyChanged();
        },
        onDropped: (instrument, dropped) => log.warn({ instrument, dropped }, `${dropped} malformed history rows from ${options.provider.name} were dropped`),
      });
      backfill = filler;
      const queries = new CandleQueries({
        registry: instruments.registry,
        keyOf,
        store,
        live: started,
        backfill: filler,
        provider: options.provider,
        ...(options.maxRangeDays === undefined ? {} : { maxRangeDays: options.maxRangeDays }),
      });
      if (options.live !== false) {
        unobserve = hub.observe(candleObserver(started));
        started.start();
      }
      options.api.provide({ getCandles: (input) => queries.candlesJson(input) });
      options.stream.provide({
        candles: candlesTopic({
          live: started,
          registry: instruments.registry,
          isTicking: (id) => options.ticker.isSubscribed(id),
          carry: (ids) => options.ticker.carryAll(ids, 'quote'),
        }),
        backfill: progress.handler,
      });
      return { store, live: started, backfill: filler, queries };
    },
    stop() {
      writeErrors.flush();
      unobserve?.();
      backfill?.close();
      live?.stop();
    },
  };
}
