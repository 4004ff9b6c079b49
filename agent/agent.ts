/**
 * Assembles an agent from its services: instruments, the market-data source, the ticker engine,
 * and the API server (REST + WebSocket on one port) over the one contract. The CLI and the
 * desktop app both call this; candles, tasks, the fleet and risk join as services.
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { api } from '../shared/contract/api';
import { DEFAULT_TOPIC, topics } from '../shared/contract/stream';
import { ApiCore } from './api/api-core';
import { StreamCore } from './stream/stream-core';
import { ensureDataDir, resolveToken } from './agent-config';
import type { SimMarket } from './market/sim-market-host';
import { ChildProcessHost } from './process/child-process-host';
import type { ProcessHost } from './process/process-host';
import { Authenticator, isLoopbackHost, OwnerToken } from './server/auth';
import type { StreamServer } from './server/stream-server';
import type { HistoryProvider } from './candles/history-provider';
import { SimHistoryProvider } from './market/sim/sim-history-provider';
import { apiServerService } from './services/api-server-service';
import { type CandlesEngine, candlesService } from './services/candles-service';
import { instrumentsService } from './services/instruments-service';
import { type Feed, marketService } from './services/market-service';
import { ServiceStack } from './services/service';
import { tickerService } from './services/ticker-service';
import { AgentDb } from './store/agent-db';
import { KITE_LIMITS } from './ticker/kite/limits';
import type { ProviderLimits } from './ticker/provider';
import type { TickHub } from './ticker/tick-hub';
import type { TickerSupervisor } from './ticker/ticker-supervisor';
import { VERSION } from './version';

/** What a user chooses (the CLI's flags, the desktop app's settings). */
export interface AgentOptions {
  host?: string;
  port?: number;
  dataDir: string;
  token?: string;
  /** Worker count; when not given, the count the agent last ran with (3 on a first start). */
  workers?: number;
  provider?: 'sim';
  simInstruments?: number;
  simTicksPerSecond?: number;
  seed?: number;
  staleAfterMs?: number;
  /** The longest range one candles query may ask for, in days (default 400). */
  maxCandleRangeDays?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Listening on a non-loopback address without TLS must be asked for explicitly. */
  allowInsecureRemote?: boolean;
  log?: Logger;
}

/** What only tests, benchmarks and the desktop shell change. */
export interface AgentHooks {
  /** A Kite-protocol feed to use instead of starting the simulated market (its instruments must be the simulated universe's). */
  feed?: Feed;
  limits?: ProviderLimits;
  /** A ticker worker silent this long is replaced (default 5 s). */
  workerHangAfterMs?: number;
  /** How hosted processes are started: the desktop app's utilityProcess host, a test's wrapper. */
  processHost?: ProcessHost;
  hub?: { highWaterBytes?: number; lowWaterBytes?: number };
  /** Replies waiting to be written past which a stream client that does not read is cut off. */
  streamMaxBufferedBytes?: number;
  candles?: {
    /** False keeps ticks out of the candle store (a benchmark's baseline). */
    live?: boolean;
    /** How long after its end a minute waits for late ticks (default 2 s). */
    graceMs?: number;
    /** A history provider in place of the simulated market's (a broker stand-in in tests). */
    provider?: HistoryProvider;
  };
}

export interface RunningAgent {
  url: string;
  port: number;
  token: string;
  tokenFile: string | undefined;
  ticker: TickerSupervisor;
  hub: TickHub;
  /** Undefined when the agent was given its own `feed`. */
  simMarket: SimMarket | undefined;
  stream: StreamServer<typeof topics>;
  candles: CandlesEngine;
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions, hooks: AgentHooks = {}): Promise<RunningAgent> {
  const log = options.log ?? pino({ level: 'info' });
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.tls && !options.allowInsecureRemote) {
    throw new Error(`refusing to listen on ${host} without TLS: give a certificate and key, or listen on 127.0.0.1`);
  }
  const limits = hooks.limits ?? KITE_LIMITS;
  const processHost = hooks.processHost ?? new ChildProcessHost();
  ensureDataDir(options.dataDir);
  const token = resolveToken(options.dataDir, options.token);
  const auth = new Authenticator(new OwnerToken(token.token));
  const apiCore = new ApiCore(api);
  const streamCore = new StreamCore({ table: topics, defaultTopic: DEFAULT_TOPIC, version: VERSION, onInternalError: (error) => log.error({ err: error }, 'stream message failed') });
  const startedAt = Date.now();
  apiCore.provide({ health: () => ({ status: 'ok', version: VERSION, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }) });

  const stack = new ServiceStack(log);
  try {
    const db = await stack.start(storeService(options.dataDir));
    const instruments = await stack.start(instrumentsService({ db, log, generated: options.simInstruments ?? 0, api: apiCore }));
    const registry = instruments.registry;
    const market = await stack.start(
      marketService({
        processHost,
        log,
        limits,
        sim: { generated: options.simInstruments ?? 0, seed: options.seed ?? 1, ticksPerSecond: options.simTicksPerSecond ?? 1 },
        ...(hooks.feed ? { feed: hooks.feed } : {}),
      }),
    );
    const engine = await stack.start(
      tickerService({
        processHost,
        log,
        db,
        registry,
        feed: market.feed,
        limits,
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
        ...(hooks.workerHangAfterMs === undefined ? {} : { hangAfterMs: hooks.workerHangAfterMs }),
        ...(hooks.hub ? { hub: hooks.hub } : {}),
        api: apiCore,
        stream: streamCore,
      }),
    );
    const candles = await stack.start(
      candlesService({
        db,
        instruments,
        hub: engine.hub,
        ticker: engine.ticker,
        provider:
          hooks.candles?.provider ??
          new SimHistoryProvider({ universe: instruments.simUniverse, seed: options.seed ?? 1, historyUntil: () => market.historyFrom }),
        api: apiCore,
        stream: streamCore,
        log,
        ...(hooks.candles?.live === undefined ? {} : { live: hooks.candles.live }),
        ...(hooks.candles?.graceMs === undefined ? {} : { graceMs: hooks.candles.graceMs }),
        ...(options.maxCandleRangeDays === undefined ? {} : { maxRangeDays: options.maxCandleRangeDays }),
      }),
    );
    const server = await stack.start(
      apiServerService({
        api: apiCore,
        stream: streamCore,
        auth,
        log,
        host,
        port: options.port ?? 7420,
        ...(options.tls ? { tls: options.tls } : {}),
        ...(hooks.streamMaxBufferedBytes === undefined ? {} : { maxBufferedBytes: hooks.streamMaxBufferedBytes }),
      }),
    );
    return {
      url: server.url,
      port: server.port,
      token: token.token,
      tokenFile: token.file,
      ticker: engine.ticker,
      hub: engine.hub,
      simMarket: market.simMarket,
      stream: server.stream,
      candles,
      stop: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The agent's database: opened first, closed last. */
function storeService(dataDir: string) {
  let db: AgentDb | undefined;
  return {
    name: 'store',
    start: () => (db = new AgentDb(join(dataDir, 'agent.db'))),
    stop: () => db?.close(),
  };
}
