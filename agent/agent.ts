/**
 * Assembles an agent from its services: instruments, the market-data source, the ticker engine,
 * and the API server (REST + WebSocket on one port) over the one contract. The CLI and the
 * desktop app both call this; candles, tasks, the fleet and risk join as services.
 */
import pino from 'pino';
import { api } from '../shared/contract/api';
import { DEFAULT_TOPIC, topics } from '../shared/contract/stream';
import { ApiCore } from './api/api-core';
import { StreamCore } from './stream/stream-core';
import { type AgentOptions, ensureDataDir, resolveToken } from './agent-config';

export type { AgentOptions } from './agent-config';
import type { SimMarket } from './market/sim-market-host';
import { ChildProcessHost } from './process/child-process-host';
import type { ProcessHost } from './process/process-host';
import { Authenticator, isLoopbackHost, OwnerToken } from './server/auth';
import { dashboardDir, dashboardUrl } from './server/dashboard-files';
import { publicName } from './server/site-guard';
import type { StreamServer } from './server/stream-server';
import type { HistoryProvider } from './candles/history-provider';
import { SimHistoryProvider } from './market/sim/sim-history-provider';
import { buildUniverse } from './market/sim/universe';
import { ApiError } from '../shared/errors';
import type { CandleInterval } from '../shared/candle';
import type { Instrument } from '../shared/instrument';
import type { KiteCallClass } from './broker/kite/kite-api';
import { KiteHistoryProvider } from './broker/kite/kite-history-provider';
import { brokerQuotes, kiteFeed, kiteOrders, type KiteOrderSettings, requireApi, UNSET_KEY } from './broker/kite/kite-wiring';
import { FileSecretStore, type SecretStore } from './broker/secret-store';
import type { BucketSpec } from './broker/token-bucket';
import { apiServerService } from './services/api-server-service';
import { type Broker, brokerService, kiteEndpoints, provideBrokerApi } from './services/broker-service';
import type { Instruments } from './services/instruments-service';
import { type CandlesEngine, candlesService } from './services/candles-service';
import { instrumentsService } from './services/instruments-service';
import { type Feed, marketService } from './services/market-service';
import { ServiceStack } from './services/service';
import { sessionsService } from './services/sessions-service';
import { tickerService } from './services/ticker-service';
import { watchlistsService } from './services/watchlists-service';
import { type SystemStatsSource, systemService } from './services/system-service';
import { tasksService } from './services/tasks-service';
import { examplesDir } from './tasks/example-tasks';
import type { TaskLogOptions } from './tasks/task-log';
import type { TaskSupervisor } from './tasks/task-supervisor';
import { auditService } from './services/audit-service';
import { algoStateService } from './services/algo-state-service';
import { riskService } from './services/risk-service';
import { memberRiskService } from './services/member-risk-service';
import { NSE_EQUITY_SESSION, SIM_SESSION } from '../shared/market-session';
import { fleetService } from './services/fleet-service';
import { agentIdentity } from './fleet/agent-identity';
import type { Fleet } from './fleet/fleet-hub';
import type { FleetMember } from './fleet/fleet-member';
import { storeService } from './services/store-service';
import { KITE_LIMITS } from './ticker/kite/limits';
import type { ProviderLimits } from './ticker/provider';
import type { TickHub } from './ticker/tick-hub';
import type { TickerSupervisor } from './ticker/ticker-supervisor';
import { VERSION } from './version';


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
  /** Where secrets are kept (the desktop app's keychain); default a 0600 file in the data dir. */
  secrets?: SecretStore;
  /** Origins of apps that call the API with a bearer token across origins (CORS); default the desktop app's. */
  appOrigins?: readonly string[];
  /** Kite's rate limits in place of its documented ones (a test of the 429 path). */
  kiteLimits?: Partial<Record<KiteCallClass, readonly BucketSpec[]>>;
  /** How Kite orders are followed (a test shortens the poll). */
  kiteOrders?: Pick<KiteOrderSettings, 'pollMs' | 'unsureForMs'>;
  candles?: {
    /** False keeps ticks out of the candle store (a benchmark's baseline). */
    live?: boolean;
    /** How long after its end a minute waits for late ticks (default 2 s). */
    graceMs?: number;
    /** A history provider in place of the simulated market's (a broker stand-in in tests). */
    provider?: HistoryProvider;
  };
  /** Task log rotation (a test of rotation uses small files). */
  taskLogFiles?: TaskLogOptions;
  /** The hub's pings of its members (default 5 s), and a member's redials (tests shorten both). */
  fleetHeartbeatMs?: number;
  memberBackoff?: { initialDelayMs: number; maxDelayMs: number };
}

export interface RunningAgent {
  url: string;
  /** Where a browser finds the dashboard (`url`, or a public name), and the folder it is served from. */
  dashboard: { url: string; dir: string };
  port: number;
  token: string;
  tokenFile: string | undefined;
  ticker: TickerSupervisor;
  hub: TickHub;
  /** Who each token is (the desktop shell and tests add their own kinds of token). */
  auth: Authenticator;
  /** Undefined when the agent was given its own `feed`. */
  simMarket: SimMarket | undefined;
  stream: StreamServer<typeof topics>;
  candles: CandlesEngine;
  broker: Broker;
  instruments: Instruments;
  tasks: TaskSupervisor;
  system: SystemStatsSource;
  fleet: Fleet;
  /** This agent's link to its hub, when it joined one. */
  member: FleetMember | undefined;
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions, hooks: AgentHooks = {}): Promise<RunningAgent> {
  const log = options.log ?? pino({ level: 'info' });
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.tls && !options.allowInsecureRemote) {
    throw new Error(`refusing to listen on ${host} without TLS: give a certificate and key, or listen on 127.0.0.1`);
  }
  const publicNames = checkedPublicNames(options.publicNames ?? []);
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
    const db = await stack.start(storeService(options.dataDir, log));
    const provider = options.provider ?? 'sim';
    const firstRun = provider === 'sim' && options.firstRunWatchlist !== false;
    const endpoints = kiteEndpoints(options.kite?.root);
    const broker = await stack.start(
      brokerService({
        provider,
        db,
        secrets: hooks.secrets ?? new FileSecretStore(options.dataDir, (movedTo, reason) => log.error({ movedTo, reason }, 'the secrets file was unreadable and was set aside: set the broker credentials again')),
        log,
        api: apiCore,
        kite: {
          endpoints,
          ...(options.kite?.apiKey ? { apiKey: options.kite.apiKey } : {}),
          ...(options.kite?.apiSecret ? { apiSecret: options.kite.apiSecret } : {}),
          ...(hooks.kiteLimits ? { limits: hooks.kiteLimits } : {}),
        },
      }),
    );
    const kite = broker.kite;
    const instruments = await stack.start(
      instrumentsService({
        db,
        log,
        source: kite ? { kind: 'kite', session: kite } : { kind: 'sim', generated: options.simInstruments ?? 0 },
        api: apiCore,
      }),
    );
    const registry = instruments.registry;
    const market = await stack.start(
      marketService({
        processHost,
        log,
        limits,
        sim: { generated: options.simInstruments ?? 0, seed: options.seed ?? 1, ticksPerSecond: options.simTicksPerSecond ?? 1 },
        ...(hooks.feed ? { feed: hooks.feed } : kite ? { feed: kiteFeed(endpoints, kite) } : {}),
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
        ...(firstRun ? { firstRun: defaultWatchlist() } : {}),
        ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
        ...(hooks.workerHangAfterMs === undefined ? {} : { hangAfterMs: hooks.workerHangAfterMs }),
        ...(hooks.hub ? { hub: hooks.hub } : {}),
        ...(kite
          ? {
              quoteFallback: (wanted: Instrument[]) => brokerQuotes(kite, wanted),
              // A refused token: Kite is asked whether the session is over; the ticker waits for the next login.
              onUnauthorized: (detail: string) => {
                if (detail.startsWith('HTTP 403')) kite.checkToken();
              },
            }
          : {}),
        api: apiCore,
        stream: streamCore,
      }),
    );
    instruments.onChange(() => engine.instrumentsChanged());
    kite?.onToken((token) => engine.ticker.setCredentials(kite.apiKey ?? UNSET_KEY, token));
    const candles = await stack.start(
      candlesService({
        db,
        instruments,
        hub: engine.hub,
        ticker: engine.ticker,
        provider:
          hooks.candles?.provider ??
          (kite
            ? new KiteHistoryProvider({
                getHistoricalData: (token, interval, from, to, continuous, oi) =>
                  requireApi(kite).call('historical', 'its history', (client) =>
                    client.getHistoricalData(token, interval as CandleInterval, from, to, continuous, oi),
                  ),
              })
            : new SimHistoryProvider({ universe: instruments.simUniverse, seed: options.seed ?? 1, historyUntil: () => market.historyFrom })),
        api: apiCore,
        stream: streamCore,
        log,
        ...(hooks.candles?.live === undefined ? {} : { live: hooks.candles.live }),
        ...(hooks.candles?.graceMs === undefined ? {} : { graceMs: hooks.candles.graceMs }),
        ...(options.maxCandleRangeDays === undefined ? {} : { maxRangeDays: options.maxCandleRangeDays }),
      }),
    );
    await stack.start(
      watchlistsService({
        db,
        registry,
        api: apiCore,
        ...(firstRun ? { firstRun: { name: 'NIFTY 50', instruments: defaultWatchlist().map((s) => s.instrument) } } : {}),
      }),
    );
    const browser = await stack.start(sessionsService({ db, auth, api: apiCore, host, secure: options.tls !== undefined, publicNames }));
    const dashboard = dashboardDir(options.dashboardDir);
    let agentUrl: string | null = null;
    const tasks = await stack.start(
      tasksService({
        db,
        dataDir: options.dataDir,
        log,
        auth,
        api: apiCore,
        stream: streamCore,
        agentUrl: () => agentUrl,
        examples: provider === 'sim' && options.examples !== false ? examplesDir(typeof options.examples === 'string' ? options.examples : null) : null,
        ...(hooks.taskLogFiles ? { logFiles: hooks.taskLogFiles } : {}),
      }),
    );
    await stack.start(algoStateService({ db, api: apiCore, taskName: (id) => tasks.get(id).name }));
    const system = await stack.start(systemService({ dataDir: options.dataDir, version: VERSION, log, api: apiCore, stream: streamCore, tasks }));
    const self = agentIdentity(db, { name: options.name, labels: options.labels });
    const audit = await stack.start(auditService({ db, api: apiCore, agentName: self.name }));
    const fleetParts = await stack.start(
      fleetService({
        db,
        log,
        api: apiCore,
        stream: streamCore,
        tasks,
        system,
        audit,
        self,
        hub: options.fleet?.hub === true,
        ...(options.fleet?.joinToken ? { joinToken: options.fleet.joinToken } : {}),
        ...(options.fleet?.join ? { join: options.fleet.join } : {}),
        address: () => agentUrl,
        ...(hooks.fleetHeartbeatMs === undefined ? {} : { heartbeatMs: hooks.fleetHeartbeatMs }),
        ...(hooks.memberBackoff ? { memberBackoff: hooks.memberBackoff } : {}),
      }),
    );
    provideBrokerApi(apiCore, broker, instruments, () => agentUrl);
    // Orders are checked and placed at the hub: a member asks it for its algos. On Kite they go
    // to Kite, whose broker stops after the router.
    const orders = kite && !fleetParts.member ? kiteOrders(kite, engine.ticker, log, { marketProtection: options.kite?.marketProtection, ...hooks.kiteOrders }) : undefined;
    if (orders) await stack.start(orders.service);
    await stack.start<unknown>(
      fleetParts.member
        ? memberRiskService({ api: apiCore, stream: streamCore, member: fleetParts.member, tasks })
        : riskService({
            ...{ db, log, api: apiCore, stream: streamCore, hub: engine.hub, registry, tasks, fleet: fleetParts.fleet },
            session: provider === 'kite' ? NSE_EQUITY_SESSION : SIM_SESSION,
            ...(orders ? { broker: orders.broker } : {}),
            carry: (id) => engine.ticker.carry(id),
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
        browser,
        dashboardDir: dashboard,
        ...(hooks.appOrigins ? { appOrigins: hooks.appOrigins } : {}),
        router: (agentId, name, input, principal, http) => fleetParts.fleet.route(agentId, name, input, principal, http),
        upgrade: (request, socket, head) => fleetParts.fleet.handleUpgrade(request, socket, head),
        ...(options.tls ? { tls: options.tls } : {}),
        ...(hooks.streamMaxBufferedBytes === undefined ? {} : { maxBufferedBytes: hooks.streamMaxBufferedBytes }),
      }),
    );
    agentUrl = server.url;
    // Tasks start once the API listens (their SDK connects to it), and stop before it closes.
    await stack.start({ name: 'task-runs', start: () => tasks.resume(), stop: () => tasks.shutdown() });
    // A member dials its hub last, once it can answer everything the hub may ask; links close
    // before the API server does (it would wait for them).
    await stack.start({
      name: 'fleet-links',
      start: () => fleetParts.member?.start(),
      stop: () => {
        fleetParts.member?.stop();
        fleetParts.fleet.close();
      },
    });
    return {
      broker,
      instruments,
      url: server.url,
      dashboard: { url: dashboardUrl(options.tls ? 'https' : 'http', host, server.port, publicNames), dir: dashboard },
      port: server.port,
      token: token.token,
      tokenFile: token.file,
      ticker: engine.ticker,
      hub: engine.hub,
      auth,
      simMarket: market.simMarket,
      stream: server.stream,
      candles,
      tasks,
      system,
      fleet: fleetParts.fleet,
      member: fleetParts.member,
      stop: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Each public name in the guard's form, or the first bad one refused with what is wrong with it. */
function checkedPublicNames(given: readonly string[]): string[] {
  return given.map((text) => {
    const name = publicName(text);
    if (typeof name !== 'string') throw new ApiError('invalid_request', `publicNames: ${name.problem}`, { field: 'publicNames' });
    return name;
  });
}

/** The simulated market's named instruments (the NIFTY 50 stocks and two indices), in full mode. */
function defaultWatchlist(): Array<{ instrument: string; mode: 'full' }> {
  return buildUniverse().map((instrument) => ({ instrument: instrument.id, mode: 'full' }));
}
