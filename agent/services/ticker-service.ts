/**
 * The ticker engine as a service: the tick hub and the supervisor of the worker pool, the saved
 * subscriptions restored, and the API methods and stream topic that belong to them.
 */
import type { Logger } from 'pino';
import type { Api, Quote, QuotesResult } from '../../shared/contract/api';
import { ApiError } from '../../shared/errors';
import type { Instrument } from '../../shared/instrument';
import type { Tick } from '../../shared/tick';
import type { Topics } from '../../shared/contract/stream';
import type { ApiCore } from '../api/api-core';
import { TICKER_WORKER_ENTRY } from '../hosted-entries';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { ProcessHost } from '../process/process-host';
import type { AgentDb } from '../store/agent-db';
import type { StreamCore } from '../stream/stream-core';
import { ticksTopic } from '../stream/ticks-topic';
import type { ProviderLimits } from '../ticker/provider';
import { TickHub } from '../ticker/tick-hub';
import { type DesiredTicker, TickerSupervisor } from '../ticker/ticker-supervisor';
import type { Feed } from './market-service';
import type { Service } from './service';

export interface TickerServiceOptions {
  processHost: ProcessHost;
  log: Logger;
  db: AgentDb;
  registry: InstrumentRegistry;
  feed: Feed;
  limits: ProviderLimits;
  /** Worker count; when not given, the count the agent last ran with (3 on a first start). */
  workers?: number;
  /** What an agent subscribes on its very first start (never again: a user's removals stand). */
  firstRun?: DesiredTicker['subscriptions'];
  staleAfterMs?: number;
  /** A ticker worker silent this long is replaced (default 5 s). */
  hangAfterMs?: number;
  hub?: { highWaterBytes?: number; lowWaterBytes?: number };
  /** Quotes of instruments the ticker does not carry (Kite's `/quote`); absent: those have no quote. */
  quoteFallback?: (instruments: Instrument[]) => Promise<Map<string, Tick>>;
  /** A worker's access token was refused, or it has none (`detail` says which). */
  onUnauthorized?: (detail: string) => void;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
}

export interface TickerEngine {
  hub: TickHub;
  ticker: TickerSupervisor;
  /**
   * After a new instruments list: subscriptions follow their ids (the expired ones are dropped
   * and returned), and saved subscriptions the last list did not know are restored if this one does.
   */
  instrumentsChanged(): string[];
}

export function tickerService(options: TickerServiceOptions): Service<TickerEngine> {
  const { registry, db, log, limits } = options;
  let hub: TickHub | undefined;
  let ticker: TickerSupervisor | undefined;
  return {
    name: 'ticker',
    async start() {
      hub = new TickHub({
        nameOf: (t) => registry.byTokenOf(t)?.id ?? `TOKEN:${t}`,
        // An observer that throws is dropped by the hub; its owner's bug is for the log.
        onObserverError: (error) => log.error({ err: error }, 'a tick observer failed and was removed'),
        ...options.hub,
      });
      ticker = new TickerSupervisor({
        host: options.processHost,
        workerModule: TICKER_WORKER_ENTRY,
        provider: { kind: 'kite-ws', ...options.feed },
        limits,
        registry,
        hub,
        log,
        ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
        ...(options.hangAfterMs === undefined ? {} : { hangAfterMs: options.hangAfterMs }),
        onDesiredChange: (desired) => db.saveTicker(desired),
        ...(options.onUnauthorized ? { onUnauthorized: options.onUnauthorized } : {}),
      });
      const started = ticker;
      let waiting = await restore(started, options);
      provideApi(options, hub, started);
      return {
        hub,
        ticker: started,
        instrumentsChanged() {
          const expired = started.instrumentsChanged();
          const known = waiting.filter((s) => registry.get(s.instrument) && !started.isSubscribed(s.instrument));
          waiting = waiting.filter((s) => !registry.get(s.instrument));
          for (const mode of ['ltp', 'quote', 'full'] as const) {
            const ids = known.filter((s) => s.mode === mode).map((s) => s.instrument);
            if (ids.length === 0) continue;
            try {
              started.subscribe(ids, mode);
            } catch (error) {
              log.warn({ err: error, count: ids.length }, 'saved subscriptions could not be restored after the instruments download');
            }
          }
          return expired;
        },
      };
    },
    async stop() {
      await ticker?.stop();
      hub?.close();
    },
  };
}

/**
 * Starts the pool with the subscriptions saved by the last run, as far as they still fit; answers
 * those of instruments not (yet) listed, which a later instruments download may bring back.
 */
async function restore(ticker: TickerSupervisor, { db, registry, limits, log, workers: given, firstRun }: TickerServiceOptions): Promise<DesiredTicker['subscriptions']> {
  const stored = db.loadTicker();
  // The very first start subscribes the default watchlist, once: what a user removes later stays removed.
  const saved = stored ?? (firstRun ? { workers: undefined, subscriptions: firstRun } : null);
  const workers = given ?? saved?.workers ?? Math.min(3, limits.connectionsPerKey);
  const known = (saved?.subscriptions ?? []).filter((s) => registry.get(s.instrument));
  const restorable = known.slice(0, workers * limits.instrumentsPerConnection);
  const dropped = (saved?.subscriptions ?? []).filter((s) => !restorable.includes(s)).map((s) => s.instrument);
  if (dropped.length > 0) {
    // Kept in the data file until the next change, so a restart with more workers brings them back.
    log.warn(
      { dropped: dropped.slice(0, 50), count: dropped.length },
      `${dropped.length} saved subscriptions were not restored (unknown instruments, or more than ${workers} workers hold)`,
    );
  }
  await ticker.start(workers, restorable, stored?.stopped === true);
  if (dropped.length === 0 || stored === null) db.saveTicker(ticker.desired());
  return (saved?.subscriptions ?? []).filter((s) => !registry.get(s.instrument));
}

function provideApi({ api, stream, registry, log, quoteFallback }: TickerServiceOptions, hub: TickHub, ticker: TickerSupervisor): void {
  const quotes = async (instruments: string[]): Promise<QuotesResult> => {
    registry.requireKnown(instruments);
    const found: Record<string, Quote> = {};
    const elsewhere: Instrument[] = [];
    const now = Date.now();
    for (const id of instruments) {
      const instrument = registry.get(id)!;
      const tick = hub.latest(instrument.token);
      // A price a trader might act on says when it is old.
      if (tick) found[id] = { ...tick, stale: now - tick.receivedAt > ticker.staleAfterMs };
      else if (!ticker.isSubscribed(id)) elsewhere.push(instrument);
    }
    if (!quoteFallback || elsewhere.length === 0) return { quotes: found };
    try {
      for (const [id, tick] of await quoteFallback(elsewhere)) found[id] = { ...tick, stale: false };
      return { quotes: found };
    } catch (error) {
      // What the ticker carries is still worth having; the answer says what is missing and why.
      const reason = error instanceof ApiError ? error : new ApiError('provider_unavailable', (error as Error).message);
      return { quotes: found, warning: { code: reason.code, message: reason.message } };
    }
  };
  api.provide({
    getTicker: () => ticker.state(),
    subscribe: ({ instruments, mode }) => ticker.subscribe(instruments, mode),
    unsubscribe: ({ instruments }) => ticker.unsubscribe(instruments),
    setWorkers: ({ count }) => ticker.setWorkerCount(count),
    stopTicker: () => ticker.pause(),
    startTicker: () => ticker.resume(),
    getQuotes: ({ instruments }) => quotes(instruments),
    queryQuotes: ({ instruments }) => quotes(instruments),
  });
  stream.provide({ ticks: ticksTopic({ hub, registry, log, isTicking: (id) => ticker.isSubscribed(id), carry: (ids, mode) => ticker.carryAll(ids, mode) }) });
}
