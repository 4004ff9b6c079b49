/**
 * Assembles an agent: data dir and token, the simulated market, the ticker engine, the hub, and
 * the API server (REST + WebSocket on one port). The CLI and the desktop app both call this.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createApiHandlers } from './agent-api';
import { ensureDataDir, resolveToken } from './agent-config';
import { TICKER_WORKER_ENTRY } from './hosted-entries';
import { InstrumentRegistry } from './instruments/instrument-registry';
import { startSimMarket, type SimMarket } from './market/sim-market-host';
import { buildUniverse } from './market/sim/universe';
import { ChildProcessHost } from './process/child-process-host';
import type { ProcessHost } from './process/process-host';
import { isLoopbackHost, TokenVerifier } from './server/auth';
import { createHttpServer } from './server/http-server';
import { StreamServer } from './server/stream-server';
import { AgentDb } from './store/agent-db';
import type { ProviderLimits } from './ticker/provider';
import { TickHub } from './ticker/tick-hub';
import { TickerSupervisor } from './ticker/ticker-supervisor';
import { VERSION } from './version';

export const KITE_LIMITS: ProviderLimits = { instrumentsPerConnection: 3000, connectionsPerKey: 3 };

export interface AgentOptions {
  host?: string;
  port?: number;
  dataDir: string;
  token?: string;
  /** Worker count; when not given, the count the agent last ran with (3 on a first start). */
  workers?: number;
  provider?: 'sim';
  /**
   * A Kite-protocol feed to use instead of starting the simulated market (its instruments must
   * be the simulated universe's): for benchmarks and tests that bring their own source.
   */
  feed?: { url: string; apiKey: string; accessToken: string };
  simInstruments?: number;
  simTicksPerSecond?: number;
  seed?: number;
  limits?: ProviderLimits;
  staleAfterMs?: number;
  /** A ticker worker silent this long is replaced (default 5 s). */
  workerHangAfterMs?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Listening on a non-loopback address without TLS must be asked for explicitly. */
  allowInsecureRemote?: boolean;
  processHost?: ProcessHost;
  log?: Logger;
  hub?: { highWaterBytes?: number; lowWaterBytes?: number };
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
  stream: StreamServer;
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? pino({ level: 'info' });
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.tls && !options.allowInsecureRemote) {
    throw new Error(`refusing to listen on ${host} without TLS: give a certificate and key, or listen on 127.0.0.1`);
  }
  const limits = options.limits ?? KITE_LIMITS;
  const processHost = options.processHost ?? new ChildProcessHost();
  ensureDataDir(options.dataDir);
  const token = resolveToken(options.dataDir, options.token);
  const verifier = new TokenVerifier(token.token);
  const db = new AgentDb(join(options.dataDir, 'agent.db'));
  const cleanups: Array<() => Promise<void> | void> = [() => db.close()];
  let stopping: Promise<void> | undefined;
  const cleanup = () =>
    (stopping ??= (async () => {
      for (const step of cleanups.reverse()) await step();
    })());

  try {
    const universe = buildUniverse({ generated: options.simInstruments ?? 0 });
    // The sim's own parameters (base price, volatility…) stay inside the sim.
    const registry = new InstrumentRegistry(universe.map(({ basePrice: _b, annualVolatility: _v, dailyVolume: _d, ...instrument }) => instrument));
    let simMarket: SimMarket | undefined;
    let feed = options.feed;
    if (!feed) {
      const accessToken = randomBytes(16).toString('hex');
      simMarket = await startSimMarket(
        processHost,
        {
          generated: options.simInstruments ?? 0,
          seed: options.seed ?? 1,
          ticksPerSecond: options.simTicksPerSecond ?? 1,
          apiKey: 'sim',
          accessToken,
          limits,
        },
        log,
      );
      const market = simMarket;
      cleanups.push(() => market.stop());
      feed = { url: market.url, apiKey: 'sim', accessToken };
    }

    const hub = new TickHub({
      nameOf: (t) => registry.byTokenOf(t)?.id ?? `TOKEN:${t}`,
      ...options.hub,
    });
    cleanups.push(() => hub.close());
    const ticker = new TickerSupervisor({
      host: processHost,
      workerModule: TICKER_WORKER_ENTRY,
      provider: { kind: 'kite-ws', ...feed },
      limits,
      registry,
      hub,
      log,
      ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
      ...(options.workerHangAfterMs === undefined ? {} : { hangAfterMs: options.workerHangAfterMs }),
      onDesiredChange: (desired) => db.saveTicker(desired),
    });
    cleanups.push(() => ticker.stop());
    const saved = db.loadTicker();
    const workers = options.workers ?? saved?.workers ?? Math.min(3, limits.connectionsPerKey);
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
    await ticker.start(workers, restorable);
    if (dropped.length === 0) db.saveTicker(ticker.desired());

    const startedAt = Date.now();
    const handlers = createApiHandlers({ version: VERSION, startedAt, registry, ticker, hub });
    const app: FastifyInstance = await createHttpServer({ handlers, verifier, log, ...(options.tls ? { https: options.tls } : {}) });
    const stream = new StreamServer({
      hub,
      registry,
      verifier,
      log,
      version: VERSION,
      isTicking: (id) => ticker.isSubscribed(id),
    });
    app.server.on('upgrade', (request, socket, head) => stream.handleUpgrade(request, socket, head));
    cleanups.push(async () => {
      stream.close();
      await app.close();
    });
    await app.listen({ host, port: options.port ?? 7420 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 7420);
    const scheme = options.tls ? 'https' : 'http';
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return {
      url: `${scheme}://${urlHost}:${port}`,
      port,
      token: token.token,
      tokenFile: token.file,
      ticker,
      hub,
      simMarket,
      stream,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
