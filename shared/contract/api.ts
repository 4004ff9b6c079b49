/**
 * The one API contract: each method declared once (verb, path, who may call it, input schema,
 * result type). The agent's REST routes and handler map, the typed client and docs/API.md all
 * follow this table; a test fails when docs/API.md misses a method.
 */
import type { Candle, CandleInterval } from '../candle';
import type { ErrorCode } from '../errors';
import type { Instrument } from '../instrument';
import type { Tick, TickMode } from '../tick';
import { type HandlersOf, type HtmlPage, type InputOf, method, type ParamsOf, type ResultOf, returns } from './method';
import {
  anySchema,
  brokerCallbackInput,
  brokerCredentialsInput,
  brokerSessionInput,
  candlesInput,
  createWatchlistInput,
  emptySchema,
  listInstrumentsInput,
  quotesBodyInput,
  quotesInput,
  setPasswordInput,
  setWorkersInput,
  signInInput,
  subscribeInput,
  unsubscribeInput,
  updateWatchlistInput,
  watchlistIdInput,
} from './schemas';
import { createTaskInput, taskIdInput, taskLogsInput, taskRunsInput, uploadTaskInput } from './task-schemas';
import type { LogLine, TaskInfo, TaskRun } from '../task';
import type { SystemStats } from '../system';
import type { AgentWithHistory, AuditEntry } from '../fleet';
import { agentRefInput, auditInput, joinTokenInput } from './fleet-schemas';
import { killSwitchInput, tradingStateInput, listOrdersInput, orderIdInput, placeOrderInput, riskHistoryInput, setRiskLimitsInput } from './order-schemas';
import type { Order } from '../order';
import type { PositionInfo, RiskDay, RiskLimitSet, RiskSummary } from '../risk';
import type { PrincipalKind } from './scopes';
import { algoStateInput, setAlgoStateInput } from './algo-state-schemas';

export const API_PREFIX = '/api/v1';

export const api = {
  health: method({ method: 'GET', path: `${API_PREFIX}/health`, scope: 'public', input: anySchema, ...returns<HealthResult>() }),
  /** A browser signs in with the agent's token or the user's password, and gets a session cookie. */
  signIn: method({ method: 'POST', path: `${API_PREFIX}/session`, scope: 'public', input: signInInput, ...returns<SessionInfo>() }),
  getSession: method({ method: 'GET', path: `${API_PREFIX}/session`, scope: 'read', input: emptySchema, ...returns<SessionInfo>() }),
  /** Ends the browser's session (its cookie is cleared). */
  signOut: method({ method: 'DELETE', path: `${API_PREFIX}/session`, scope: 'read', input: emptySchema, ...returns<{ signedOut: boolean }>() }),
  /** Sets the dashboard password; every other browser is signed out. */
  setPassword: method({ method: 'PUT', path: `${API_PREFIX}/session/password`, scope: 'control', input: setPasswordInput, ...returns<SessionInfo>() }),
  listInstruments: method({
    method: 'GET',
    path: `${API_PREFIX}/instruments`,
    scope: 'read',
    input: listInstrumentsInput,
    ...returns<{ instruments: Instrument[] }>(),
  }),
  getTicker: method({ method: 'GET', path: `${API_PREFIX}/ticker`, scope: 'read', input: emptySchema, ...returns<TickerState>() }),
  subscribe: method({
    method: 'POST',
    path: `${API_PREFIX}/ticker/subscriptions`,
    scope: 'control',
    input: subscribeInput,
    ...returns<TickerState>(),
  }),
  unsubscribe: method({
    method: 'DELETE',
    path: `${API_PREFIX}/ticker/subscriptions`,
    scope: 'control',
    input: unsubscribeInput,
    ...returns<TickerState>(),
  }),
  setWorkers: method({ method: 'PUT', path: `${API_PREFIX}/ticker/workers`, scope: 'control', input: setWorkersInput, ...returns<TickerState>() }),
  /** Stops every worker (the broker connections close), keeping the subscriptions; it stays stopped across restarts. */
  stopTicker: method({ method: 'POST', path: `${API_PREFIX}/ticker/stop`, scope: 'control', input: emptySchema, ...returns<TickerState>() }),
  /** Starts the workers again with the subscriptions they held. */
  startTicker: method({ method: 'POST', path: `${API_PREFIX}/ticker/start`, scope: 'control', input: emptySchema, ...returns<TickerState>() }),
  getQuotes: method({ method: 'GET', path: `${API_PREFIX}/quotes`, scope: 'read', input: quotesInput, ...returns<QuotesResult>() }),
  /** The same query as `getQuotes` with the ids in a body: 10,000 ids do not fit in a URL. */
  queryQuotes: method({ method: 'POST', path: `${API_PREFIX}/quotes`, scope: 'read', input: quotesBodyInput, ...returns<QuotesResult>() }),
  /** The broker session: who is logged in, until when, and the instruments master's freshness. */
  getBroker: method({ method: 'GET', path: `${API_PREFIX}/broker`, scope: 'read', input: emptySchema, ...returns<BrokerState>() }),
  /** The broker app's API key and secret (the secret is stored, never returned). */
  setBrokerCredentials: method({
    method: 'PUT',
    path: `${API_PREFIX}/broker/credentials`,
    scope: 'owner',
    input: brokerCredentialsInput,
    ...returns<BrokerState>(),
  }),
  /** The broker's login page for a new login (good once, for ten minutes). */
  getBrokerLoginUrl: method({ method: 'GET', path: `${API_PREFIX}/broker/login-url`, scope: 'control', input: emptySchema, ...returns<{ url: string }>() }),
  /** Completes a login with the request token from the broker's redirect. */
  createBrokerSession: method({
    method: 'POST',
    path: `${API_PREFIX}/broker/session`,
    scope: 'control',
    input: brokerSessionInput,
    ...returns<BrokerState>(),
  }),
  /** Logs out: the access token is revoked at the broker and forgotten here; the ticker waits for the next login. */
  deleteBrokerSession: method({ method: 'DELETE', path: `${API_PREFIX}/broker/session`, scope: 'control', input: emptySchema, ...returns<BrokerState>() }),
  /**
   * Kite's login redirect: exchanges the request token of a login this agent started (its
   * one-time state comes back in the redirect) and answers with a short page. Needs no token.
   */
  kiteLoginCallback: method({
    method: 'GET',
    path: `${API_PREFIX}/broker/kite/callback`,
    scope: 'public',
    input: brokerCallbackInput,
    ...returns<HtmlPage>(),
  }),
  /** Downloads the broker's instruments list into the instruments master now (it also happens every morning). */
  refreshInstruments: method({
    method: 'POST',
    path: `${API_PREFIX}/instruments/refresh`,
    scope: 'control',
    input: emptySchema,
    ...returns<InstrumentsRefresh>(),
  }),
  /** The user's watchlists, in their order. */
  listWatchlists: method({ method: 'GET', path: `${API_PREFIX}/watchlists`, scope: 'read', input: emptySchema, ...returns<{ watchlists: Watchlist[] }>() }),
  createWatchlist: method({ method: 'POST', path: `${API_PREFIX}/watchlists`, scope: 'control', input: createWatchlistInput, ...returns<Watchlist>() }),
  /** Renames a watchlist or replaces its instruments (the order given is the order shown). */
  updateWatchlist: method({ method: 'PUT', path: `${API_PREFIX}/watchlists/:id`, scope: 'control', input: updateWatchlistInput, ...returns<Watchlist>() }),
  deleteWatchlist: method({ method: 'DELETE', path: `${API_PREFIX}/watchlists/:id`, scope: 'control', input: watchlistIdInput, ...returns<{ deleted: number }>() }),
  /** Candles of any interval over any range: stored, fetched from the provider's history when missing, and the forming one from live ticks. */
  getCandles: method({ method: 'GET', path: `${API_PREFIX}/candles`, scope: 'read', input: candlesInput, ...returns<CandlesResult>() }),
  /** This machine's statistics (CPU, memory, load, disk, network, uptime) and their recent history. */
  getSystem: method({ method: 'GET', path: `${API_PREFIX}/system`, scope: 'observe', input: emptySchema, ...returns<SystemStats>() }),
  /** The agent's tasks; a task's own token sees only its task. */
  listTasks: method({ method: 'GET', path: `${API_PREFIX}/tasks`, scope: 'task', input: emptySchema, ...returns<{ tasks: TaskInfo[] }>() }),
  /** Registers a command as a task (stopped unless `start` is true). */
  createTask: method({ method: 'POST', path: `${API_PREFIX}/tasks`, scope: 'control', input: createTaskInput, status: 201, ...returns<TaskInfo>() }),
  /** Submits a new algo: a script or a bundle, unpacked into the task's own folder, registered (and started when asked). */
  uploadTask: method({ method: 'POST', path: `${API_PREFIX}/tasks/upload`, scope: 'control', input: uploadTaskInput, status: 201, body: 'multipart', ...returns<TaskInfo>() }),
  /** Starts every task of this agent that is not running (the tray's and the Fleet page's "start all"). */
  startAllTasks: method({ method: 'POST', path: `${API_PREFIX}/tasks/start-all`, scope: 'control', input: emptySchema, ...returns<{ tasks: TaskInfo[] }>() }),
  /** Stops every running task of this agent, each as its stop does; answers once all have stopped. */
  stopAllTasks: method({ method: 'POST', path: `${API_PREFIX}/tasks/stop-all`, scope: 'control', input: emptySchema, ...returns<{ tasks: TaskInfo[] }>() }),
  getTask: method({ method: 'GET', path: `${API_PREFIX}/tasks/:id`, scope: 'task', taskParam: 'id', input: taskIdInput, ...returns<TaskInfo>() }),
  /** Starts a task; it stays wanted running (also after the agent restarts) until stopped. */
  startTask: method({ method: 'POST', path: `${API_PREFIX}/tasks/:id/start`, scope: 'task', taskParam: 'id', input: taskIdInput, ...returns<TaskInfo>() }),
  /** Stops a task: its stop signal to the whole process tree, then a kill after its grace; answers once it has stopped. */
  stopTask: method({ method: 'POST', path: `${API_PREFIX}/tasks/:id/stop`, scope: 'task', taskParam: 'id', input: taskIdInput, ...returns<TaskInfo>() }),
  restartTask: method({ method: 'POST', path: `${API_PREFIX}/tasks/:id/restart`, scope: 'task', taskParam: 'id', input: taskIdInput, ...returns<TaskInfo>() }),
  /** Stops a task and removes it with its runs and logs. */
  deleteTask: method({ method: 'DELETE', path: `${API_PREFIX}/tasks/:id`, scope: 'control', input: taskIdInput, ...returns<{ removed: string }>() }),
  /** A task's recent output, oldest first: the last `tail` lines, of one run or matching a search if asked. */
  getTaskLogs: method({ method: 'GET', path: `${API_PREFIX}/tasks/:id/logs`, scope: 'task', taskParam: 'id', input: taskLogsInput, ...returns<{ lines: LogLine[] }>() }),
  /** Every agent of the fleet (this one first), with its status, statistics and their recent history. */
  listAgents: method({ method: 'GET', path: `${API_PREFIX}/agents`, scope: 'observe', input: emptySchema, ...returns<{ agents: AgentWithHistory[] }>() }),
  /** A hub forgets an offline member (it is shown again if it joins again). */
  forgetAgent: method({ method: 'DELETE', path: `${API_PREFIX}/agents/:agentId`, scope: 'control', input: agentRefInput, ...returns<{ forgotten: string }>() }),
  /** This agent's place in the fleet: hub or member, its id and name, its link to its hub. */
  getFleet: method({ method: 'GET', path: `${API_PREFIX}/fleet`, scope: 'observe', input: emptySchema, ...returns<FleetState>() }),
  /** A new join token for members (shown once; only its SHA-256 is kept). */
  createJoinToken: method({ method: 'POST', path: `${API_PREFIX}/fleet/join-tokens`, scope: 'owner', input: joinTokenInput, status: 201, ...returns<{ token: string; createdAt: string; join: string }>() }),
  /** Revokes every join token: members already linked stay; none can join (or rejoin) until a new token. */
  revokeJoinTokens: method({ method: 'DELETE', path: `${API_PREFIX}/fleet/join-tokens`, scope: 'owner', input: emptySchema, ...returns<{ revoked: number }>() }),
  /** Commands made on this agent (and, on a hub, routed to members): newest first. */
  getAudit: method({ method: 'GET', path: `${API_PREFIX}/audit`, scope: 'control', input: auditInput, ...returns<{ entries: AuditEntry[] }>() }),
  /** Places an order through the central risk manager: the order, or 422 risk_rejected naming the rule. An algo's own token places for its own algo only. */
  placeOrder: method({ method: 'POST', path: `${API_PREFIX}/orders`, scope: 'task', input: placeOrderInput, status: 201, ...returns<Order>() }),
  listOrders: method({ method: 'GET', path: `${API_PREFIX}/orders`, scope: 'task', input: listOrdersInput, ...returns<{ orders: Order[] }>() }),
  /** Cancels what is left of an order (cancels pass in every trading state). */
  cancelOrder: method({ method: 'DELETE', path: `${API_PREFIX}/orders/:id`, scope: 'task', input: orderIdInput, ...returns<Order>() }),
  getPositions: method({ method: 'GET', path: `${API_PREFIX}/positions`, scope: 'task', input: emptySchema, ...returns<{ positions: PositionInfo[] }>() }),
  /** Trading states, money at risk by algo and instrument, P&L and drawdowns, and the limits in force. */
  getRisk: method({ method: 'GET', path: `${API_PREFIX}/risk`, scope: 'read', input: emptySchema, ...returns<RiskSummary>() }),
  /** The daily records (highest money at risk overall, per algo and per instrument; P&L; deepest drawdown), newest first, today's included. */
  getRiskHistory: method({ method: 'GET', path: `${API_PREFIX}/risk/history`, scope: 'read', input: riskHistoryInput, ...returns<{ days: RiskDay[] }>() }),
  /** Changes the limits live (a partial body changes only what it names; null removes); answers the limits in force. */
  setRiskLimits: method({ method: 'PUT', path: `${API_PREFIX}/risk/limits`, scope: 'control', input: setRiskLimitsInput, ...returns<RiskLimitSet>() }),
  /** Engages (halt, cancel every open order, optionally square off and stop every algo) or releases the kill switch. */
  setKillSwitch: method({ method: 'POST', path: `${API_PREFIX}/risk/kill-switch`, scope: 'control', input: killSwitchInput, ...returns<KillSwitchResult>() }),
  /** Sets one algo's trading state, or everything's (`global`), by hand; answers the risk summary. */
  setTradingState: method({ method: 'POST', path: `${API_PREFIX}/risk/states`, scope: 'control', input: tradingStateInput, ...returns<RiskSummary>() }),
  /** An algo's state on this agent: its keys and JSON values. A task's token reaches the algo of its own name only. */
  getAlgoState: method({ method: 'GET', path: `${API_PREFIX}/algos/:algo/state`, scope: 'task', input: algoStateInput, ...returns<AlgoState>() }),
  /** Sets the keys named (null deletes one) in one transaction; answers the whole state. */
  setAlgoState: method({ method: 'PUT', path: `${API_PREFIX}/algos/:algo/state`, scope: 'task', input: setAlgoStateInput, ...returns<AlgoState>() }),
  /** A task's runs, newest first: start, end, exit code or signal, and why it ended. */
  listTaskRuns: method({ method: 'GET', path: `${API_PREFIX}/tasks/:id/runs`, scope: 'task', taskParam: 'id', input: taskRunsInput, ...returns<{ runs: TaskRun[] }>() }),
};

export type Api = typeof api;
export type MethodName = keyof Api;
export type ApiInput<K extends MethodName> = InputOf<Api[K]>;
export type ApiParams<K extends MethodName> = ParamsOf<Api[K]>;
export type ApiResult<K extends MethodName> = ResultOf<Api[K]>;
export type ApiHandlers = HandlersOf<Api>;

export interface HealthResult {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
}

/** `needs-login`: the broker refused the access token (or there is none); the worker waits for the next login. */
export type WorkerState = 'starting' | 'connecting' | 'ready' | 'reconnecting' | 'needs-login' | 'unresponsive' | 'stopping' | 'dead';

export interface WorkerInfo {
  /** A stable slot number; a replaced worker keeps its id and gets a new pid. */
  id: number;
  pid: number | null;
  state: WorkerState;
  instruments: string[];
  ticksPerSecond: number;
  lastTickAt: string | null;
  restarts: number;
  /** Resident memory of the worker process, from its last report (null before the first). */
  rssMb: number | null;
  /** Malformed frames from the broker that the worker dropped. */
  badFrames: number;
  /** The broker connection's state and last problem, e.g. `connected` or `reconnecting: HTTP 403`. */
  provider: string;
}

export interface SubscriptionInfo {
  instrument: string;
  mode: TickMode;
  worker: number | null;
  ticksPerSecond: number;
  lastTickAt: string | null;
  stale: boolean;
}

/** A stream connection as the hub sees it. */
export interface ConsumerInfo {
  id: number;
  format: 'json' | 'binary';
  instruments: number | 'all';
  /** Ticks sent to it. */
  delivered: number;
  /** Ticks it never got because it fell behind (replaced by a later tick of the same instrument). */
  conflated: number;
  lagging: boolean;
}

export interface TickerState {
  /**
   * `needs-login`: the broker refused the access token; ticks resume with the next login (see the
   * broker methods). `stopped`: a user stopped it (`POST /ticker/stop`); the subscriptions are kept.
   */
  state: 'running' | 'needs-login' | 'stopped';
  workers: WorkerInfo[];
  subscriptions: SubscriptionInfo[];
  limits: { instrumentsPerConnection: number; connectionsPerKey: number };
  staleAfterMs: number;
  stale: string[];
  ticksPerSecond: number;
  /** Everyone receiving ticks from this agent's stream. */
  consumers: ConsumerInfo[];
}

/** The latest tick of an instrument, and whether it is older than the ticker's stale limit. */
export type Quote = Tick & { stale: boolean };

export interface QuotesResult {
  quotes: Record<string, Quote>;
  /** Set when quotes of instruments the ticker does not carry could not be fetched from the broker. */
  warning?: { code: ErrorCode; message: string };
}

export interface CandlesResult {
  instrument: string;
  interval: CandleInterval;
  /** The exchange's time zone, for showing the UTC times. */
  timeZone: string;
  /** Completed bars, oldest first. */
  candles: Candle[];
  /** The bar not yet closed, from stored minutes and live ticks; null when `to` is in the past or nothing traded in it yet. */
  forming: Candle | null;
  /** Set when the provider's history could not be fetched: the candles are what the store has. */
  warning?: { code: ErrorCode; message: string };
}

export type BrokerProvider = 'sim' | 'kite';

/** The broker session as `GET /api/v1/broker` shows it. */
export interface BrokerSession {
  provider: BrokerProvider;
  userId: string | null;
  userName: string | null;
  /** `expired`: the token passed its expiry (about 06:00 IST) or the broker refused it. The simulated market is always `logged-in`. */
  session: 'logged-in' | 'needs-login' | 'expired';
  expiresAt: string | null;
  loggedInAt: string | null;
  /** The broker app's API key, whether its secret is set, and where secrets are kept; null for the simulated market. */
  credentials: { apiKey: string | null; apiSecretSet: boolean; store: string } | null;
}

export interface InstrumentsMaster {
  /** Instruments listed now. */
  count: number;
  refreshedAt: string | null;
  /** When the next daily download is due (null for the simulated market). */
  nextRefreshAt: string | null;
  /** Subscribed instruments the broker no longer lists (an expired contract): removed from the ticker, never mapped to a new one. */
  expired: string[];
  /** Why the last download failed, if it did. */
  lastError: string | null;
}

export interface BrokerState extends BrokerSession {
  /** The redirect URL to register in the broker app: this agent's callback. */
  redirectUrl: string | null;
  instruments: InstrumentsMaster;
}

export interface InstrumentsRefresh {
  count: number;
  added: number;
  changed: number;
  unlisted: number;
  expired: string[];
  /** Rows of the broker's list that could not be read, dropped. */
  dropped: number;
}

/** A named list of instruments, kept by the agent. */
export interface Watchlist {
  id: number;
  name: string;
  instruments: string[];
}

export interface SessionInfo {
  /** Who the caller is: `session` for a signed-in browser, else the token's kind. */
  principal: PrincipalKind;
  /** When an unused browser session ends (null for a token). */
  expiresAt: string | null;
  /** Whether a dashboard password is set (else only the agent's token signs in). */
  passwordSet: boolean;
}

/** `GET /api/v1/fleet`: this agent's place in the fleet. */
export interface FleetState {
  self: { id: string; name: string; labels: Record<string, string>; version: string };
  /** Whether members may join this agent. */
  hub: boolean;
  /** On a hub: how many join tokens it accepts (0: none yet; make one). */
  joinTokens: number;
  /** On a member: its hub and the link's state. */
  member: { hubUrl: string; hub: { id: string; name: string } | null; state: 'connecting' | 'online' | 'offline'; lastError: string | null } | null;
}

/** An algo's persistent state: keys to JSON values (`GET`/`PUT /api/v1/algos/:algo/state`). */
export interface AlgoState {
  algo: string;
  values: Record<string, unknown>;
}

/** `POST /api/v1/risk/kill-switch`: what it did. */
export interface KillSwitchResult {
  engaged: boolean;
  cancelled: number;
  /** Exit orders sent to square off (with `flatten`), and those refused with their reason. */
  exits: Order[];
  exitsRefused: Array<{ algo: string; instrument: string; message: string }>;
  /** Agents whose algos were stopped (with `stopAlgos`), and those that could not be reached. */
  algosStopped: string[];
  agentsNotReached: Array<{ agent: string; message: string }>;
  risk: RiskSummary;
}
