/**
 * The tray as plain data: its icon's state, its tooltip and its menu, computed from what the
 * shell knows (the window, the embedded agent's ticker and broker, and the fleet the embedded
 * agent is the hub of). The shell turns the menu into Electron's (`Menu.buildFromTemplate`),
 * binding each item's `action` to a handler; the questions and notices its handlers show are
 * made here too.
 */
import type { AgentInfo } from '../shared/fleet';
import type { RiskSummary, TradingState } from '../shared/risk';
import { API_PREFIX, api, type BrokerState, type TickerState } from '../shared/contract/api';
import { type AlgoAction, type AlgoCommand, algosSubmenu, algosSubmenuLabel, type TrayAlgo } from './tray-algos';

/** The fleet's figures for the tray, from `GET /api/v1/agents` (see `fleetSummary`). */
export interface TrayFleet {
  agentsOnline: number;
  agentsTotal: number;
  /** Algos (tasks) of the online agents: an offline member's last known figures are not current. */
  algosRunning: number;
  algosTotal: number;
  algosErrored: number;
  /** Algos running on this computer (the hub's own tasks): quitting AlgoDeck stops them. */
  localRunning: number;
}

export interface TrayInput {
  windowVisible: boolean;
  /** Null until the embedded agent answered (or while it is down). */
  ticker: Pick<TickerState, 'state' | 'ticksPerSecond' | 'stale'> | null;
  broker: Pick<BrokerState, 'provider' | 'session' | 'userId' | 'expiresAt'> | null;
  /** Null until known (or while the embedded agent is down). */
  fleet: TrayFleet | null;
  /** A start-all or stop-all under way (stop-all answers once every algo has stopped, ~10 s). */
  fleetCommand: FleetCommand | null;
  /** This computer's algos (the embedded agent's tasks); null until known (or while it is down). */
  algos: TrayAlgo[] | null;
  /** A start or stop of one of them under way, by task id. */
  algoCommands: Record<string, AlgoCommand>;
  /** The risk manager's figures (`GET /api/v1/risk`); null until known. */
  risk: TrayRisk | null;
  /** The embedded agent's dashboard URL, for "Open in a browser". */
  agentUrl: string | null;
  startAtLogin: boolean;
}

export type FleetCommand = 'start' | 'stop';

/** What the tray shows of the risk manager. */
export interface TrayRisk {
  state: TradingState;
  killSwitch: boolean;
  reason: string | null;
  dayPnl: number;
  moneyAtRisk: number;
}

export function trayRisk(summary: Pick<RiskSummary, 'state' | 'totals'>): TrayRisk {
  return { state: summary.state.state, killSwitch: summary.state.killSwitch, reason: summary.state.reason, dayPnl: summary.totals.dayPnl, moneyAtRisk: summary.totals.moneyAtRisk };
}

export type TrayAction =
  | 'toggle-window'
  | 'start-ticker'
  | 'stop-ticker'
  | 'broker-login'
  | 'start-all-tasks'
  | 'stop-all-tasks'
  | 'engage-kill-switch'
  | 'release-kill-switch'
  | 'open-in-browser'
  | 'toggle-start-at-login'
  | 'quit'
  | AlgoAction;

export type TrayItem =
  | { type: 'separator' }
  | { type: 'normal' | 'checkbox'; label: string; action?: TrayAction; enabled: boolean; checked?: boolean }
  | { type: 'submenu'; label: string; enabled: boolean; submenu: TrayItem[]; action?: undefined; checked?: undefined };

/**
 * `ok`: live; `attention`: live but something wants the user (stale prices, a login, an errored
 * algo, an offline member, trading only reducing); `down`: no agent or no ticker; `halted`: no
 * new order passes (the kill switch, or a breach of a loss limit), which outranks the rest.
 */
export type TrayIcon = 'ok' | 'attention' | 'down' | 'halted';

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  menu: TrayItem[];
}

/** The longest tooltip Windows shows whole (`NOTIFYICONDATA.szTip` holds 128 characters with its end). */
const TOOLTIP_MAX = 127;

const rate = (ticksPerSecond: number) => `${Math.round(ticksPerSecond).toLocaleString('en-IN')} ticks/s`;
const count = (n: number, noun: string) => `${n.toLocaleString('en-IN')} ${noun}${n === 1 ? '' : 's'}`;

function brokerLine(broker: TrayInput['broker']): string {
  if (!broker) return 'Broker: unknown';
  if (broker.provider === 'sim') return 'Broker: simulated market';
  return broker.session === 'logged-in' ? `Kite: logged in${broker.userId ? ` as ${broker.userId}` : ''}` : 'Kite: login needed';
}

/** Rupees for the tray: en-IN grouping, no paise, a sign for P&L. */
function rupees(amount: number, signed = false): string {
  const text = `₹${Math.round(Math.abs(amount)).toLocaleString('en-IN')}`;
  if (!signed || Math.round(amount) === 0) return text;
  return `${amount > 0 ? '+' : '−'}${text}`;
}

/** "Trading: active · P&L +₹1,250 · at risk ₹8,400"; "Trading: HALTED by the kill switch · …". */
function riskLine(risk: TrayRisk | null): string {
  if (!risk) return 'Trading: unknown';
  const state = risk.killSwitch ? 'HALTED by the kill switch' : risk.state === 'ACTIVE' ? 'active' : risk.state;
  return `Trading: ${state} · P&L ${rupees(risk.dayPnl, true)} · at risk ${rupees(risk.moneyAtRisk)}`;
}

function tickerLine(ticker: TrayInput['ticker']): string {
  if (!ticker) return 'Ticker: agent not reachable';
  if (ticker.state === 'needs-login') return 'Ticker: waiting for the broker login';
  if (ticker.state === 'stopped') return 'Ticker: stopped';
  return `Ticker: running, ${rate(ticker.ticksPerSecond)}${ticker.stale.length > 0 ? `, ${ticker.stale.length} stale` : ''}`;
}

/**
 * "Algos: 3 of 5 running on 3 agents", "Algos: 3 of 5 running, 1 errored, 1 agent offline",
 * "No algos yet". The agents are named only when there are members; an offline one is counted
 * rather than the online ones, which keeps the line short enough for the tooltip (Windows cuts
 * a tray tooltip at 127 characters).
 */
function fleetLine(fleet: TrayFleet | null): string {
  if (!fleet) return 'Algos: unknown';
  const offline = fleet.agentsTotal - fleet.agentsOnline;
  const algos = fleet.algosTotal === 0 ? 'No algos yet' : `Algos: ${fleet.algosRunning.toLocaleString('en-IN')} of ${fleet.algosTotal.toLocaleString('en-IN')} running`;
  const where = fleet.algosTotal > 0 && offline === 0 && fleet.agentsTotal > 1 ? ` on ${count(fleet.agentsTotal, 'agent')}` : '';
  const errored = fleet.algosErrored > 0 ? `, ${fleet.algosErrored.toLocaleString('en-IN')} errored` : '';
  return `${algos}${where}${errored}${offline > 0 ? `, ${count(offline, 'agent')} offline` : ''}`;
}

/**
 * An errored algo and an offline member both make the icon amber. An errored algo gave up
 * restarting and waits for the user. An offline member is amber too: its algos may still be
 * trading, but nothing here sees them, starts or stops them (start-all and stop-all reach online
 * agents only), which the user must know. A member retired for good is forgotten on the Fleet
 * page and no longer counts, so the amber is never stuck.
 */
function fleetWantsAttention(fleet: TrayFleet | null): boolean {
  return fleet !== null && (fleet.algosErrored > 0 || fleet.agentsOnline < fleet.agentsTotal);
}

export function trayModel(input: TrayInput): TrayModel {
  const { ticker, broker, fleet, fleetCommand } = input;
  const needsLogin = broker !== null && broker.provider !== 'sim' && broker.session !== 'logged-in';
  const { risk } = input;
  const attention = ticker !== null && (ticker.state !== 'running' || needsLogin || ticker.stale.length > 0 || fleetWantsAttention(fleet) || risk?.state === 'REDUCING');
  const icon: TrayIcon = risk?.state === 'HALTED' ? 'halted' : !ticker ? 'down' : attention ? 'attention' : 'ok';
  const lines = [tickerLine(ticker), brokerLine(broker), fleetLine(fleet), ...(risk ? [riskLine(risk)] : [])].join('\n');
  // Windows shows 127 characters of a tray tooltip: a busy one gives up its title, not its figures.
  const tooltip = lines.length + 'AlgoDeck\n'.length <= TOOLTIP_MAX ? `AlgoDeck\n${lines}` : lines;
  const menu: TrayItem[] = [
    { type: 'normal', label: input.windowVisible ? 'Hide AlgoDeck' : 'Show AlgoDeck', action: 'toggle-window', enabled: true },
    { type: 'separator' },
    { type: 'normal', label: tickerLine(ticker), enabled: false },
    ...(ticker === null
      ? []
      : ticker.state === 'stopped'
        ? [{ type: 'normal' as const, label: 'Start the ticker', action: 'start-ticker' as const, enabled: true }]
        : [{ type: 'normal' as const, label: 'Stop the ticker', action: 'stop-ticker' as const, enabled: true }]),
    { type: 'normal', label: brokerLine(broker), enabled: false },
    ...(needsLogin ? [{ type: 'normal' as const, label: 'Log in to Kite…', action: 'broker-login' as const, enabled: true }] : []),
    { type: 'normal', label: fleetLine(fleet), enabled: false },
    // While one runs, neither is offered again; the one under way says so.
    {
      type: 'normal',
      label: fleetCommand === 'start' ? 'Starting all algos…' : 'Start all algos',
      action: 'start-all-tasks',
      enabled: fleetCommand === null && fleet !== null && fleet.algosRunning < fleet.algosTotal,
    },
    {
      type: 'normal',
      label: fleetCommand === 'stop' ? 'Stopping all algos…' : 'Stop all algos…',
      action: 'stop-all-tasks',
      enabled: fleetCommand === null && fleet !== null && fleet.algosRunning > 0,
    },
    // Each of this computer's algos, started or stopped on its own (a stop asks first).
    { type: 'submenu', label: algosSubmenuLabel(input.algos), enabled: true, submenu: algosSubmenu(input.algos, input.algoCommands) },
    { type: 'separator' },
    { type: 'normal', label: riskLine(risk), enabled: false },
    // One click away, one confirm deep; released the same way.
    risk?.killSwitch
      ? { type: 'normal', label: 'Release the kill switch…', action: 'release-kill-switch', enabled: true }
      : { type: 'normal', label: 'Kill switch: halt all trading…', action: 'engage-kill-switch', enabled: risk !== null },
    { type: 'separator' },
    { type: 'normal', label: 'Open the cockpit in a browser', action: 'open-in-browser', enabled: input.agentUrl !== null },
    { type: 'checkbox', label: 'Start AlgoDeck at login', action: 'toggle-start-at-login', enabled: true, checked: input.startAtLogin },
    { type: 'separator' },
    { type: 'normal', label: 'Quit AlgoDeck', action: 'quit', enabled: true },
  ];
  return { icon, tooltip, menu };
}

/**
 * Whether quitting must be confirmed, and the question: quitting stops the embedded agent, so
 * the ticker and the algos running on this computer stop with it; members on other machines
 * are agents of their own and keep running.
 */
export function quitQuestion(input: Pick<TrayInput, 'ticker' | 'fleet'>): string | null {
  const { ticker, fleet } = input;
  const tickerRuns = ticker !== null && ticker.state === 'running';
  const local = fleet?.localRunning ?? 0;
  if (!tickerRuns && local === 0) return null;
  const what = [
    ...(tickerRuns ? [`the ticker is running (${rate(ticker.ticksPerSecond)})`] : []),
    ...(local > 0 ? [`${count(local, 'algo')} ${local === 1 ? 'is' : 'are'} running on this computer`] : []),
  ].join(' and ');
  const them = tickerRuns && local === 0 ? 'it' : 'them';
  const elsewhere = fleet ? fleet.algosRunning - local : 0;
  const others = elsewhere > 0 ? ` The ${count(elsewhere, 'algo')} running on your other agents keep${elsewhere === 1 ? 's' : ''} running.` : '';
  return `${what[0]!.toUpperCase()}${what.slice(1)}. Quitting AlgoDeck stops ${them}, and the embedded agent with ${them}.${others} Quit anyway?`;
}

type FleetAgent = Pick<AgentInfo, 'id' | 'name' | 'status' | 'hub' | 'tasks'>;

/**
 * The tray's fleet figures from `GET /api/v1/agents` (the hub first, then its members). Algos
 * are counted on online agents only: an offline member's figures are its last known ones.
 * Running on this computer is the hub's own entry (the embedded agent is the hub; on an agent
 * that is not a hub, the list is just itself).
 */
export function fleetSummary(agents: readonly FleetAgent[]): TrayFleet {
  const online = agents.filter((agent) => agent.status === 'online');
  const sum = (key: keyof FleetAgent['tasks']) => online.reduce((total, agent) => total + agent.tasks[key], 0);
  const self = agents.find((agent) => agent.hub) ?? agents[0];
  return {
    agentsOnline: online.length,
    agentsTotal: agents.length,
    algosRunning: sum('running'),
    algosTotal: sum('total'),
    algosErrored: sum('errored'),
    localRunning: self && self.status === 'online' ? self.tasks.running : 0,
  };
}

/**
 * What start-all or stop-all does on the fleet: every online agent, each through the hub's
 * route (`/api/v1/agents/<id>/tasks/start-all`; the hub may name itself). Every online agent is
 * asked, not only those with something to do: stop-all also stops algos waiting to restart,
 * which are not counted as running.
 */
export function fleetCommandTargets(agents: readonly FleetAgent[], command: FleetCommand): Array<{ id: string; name: string; path: string }> {
  const route = command === 'start' ? api.startAllTasks.path : api.stopAllTasks.path;
  return agents
    .filter((agent) => agent.status === 'online')
    .map((agent) => ({ id: agent.id, name: agent.name, path: `${API_PREFIX}/agents/${encodeURIComponent(agent.id)}${route.slice(API_PREFIX.length)}` }));
}

/**
 * The question before stop-all, naming what will happen ("Stop 5 algos on 3 agents?"), or null
 * when nothing runs. Offline members are named: they are not reached.
 */
export function stopAllQuestion(agents: readonly FleetAgent[]): string | null {
  const running = agents.filter((agent) => agent.status === 'online' && agent.tasks.running > 0);
  const algos = running.reduce((total, agent) => total + agent.tasks.running, 0);
  if (algos === 0) return null;
  const where = running.length === 1 && running[0]!.hub ? 'on this computer' : running.length === 1 ? `on ${running[0]!.name}` : `on ${count(running.length, 'agent')}`;
  const offline = agents.filter((agent) => agent.status === 'offline').map((agent) => agent.name);
  const unreached = offline.length === 0 ? '' : ` ${offline.join(', ')} ${offline.length === 1 ? 'is' : 'are'} offline and not reached.`;
  return `Stop ${count(algos, 'algo')} ${where}? Each is given its grace period to end (about 10 s) and stays stopped until started again.${unreached}`;
}

/** An agent's answer to start-all or stop-all: `ok`, or the agent's words. */
export interface FleetCommandResult {
  name: string;
  ok: boolean;
  message: string | null;
}

/** The notification after start-all or stop-all when some agent refused (null when all did it). */
export function fleetCommandNotice(command: FleetCommand, results: readonly FleetCommandResult[]): { title: string; body: string } | null {
  const refused = results.filter((result) => !result.ok);
  if (refused.length === 0) return null;
  const verb = command === 'start' ? 'start' : 'stop';
  const title = refused.length === results.length ? `The algos did not ${verb}` : `Some algos did not ${verb}`;
  const body = refused.map((result) => `${result.name}: ${result.message ?? 'no answer'}`).join('\n');
  return { title, body };
}

/** The kill switch's question from the tray: what it will do, and the choices (each the call's body). */
export interface KillSwitchDialog {
  message: string;
  detail: string;
  /** Buttons in order; the last cancels (its body is null). */
  buttons: Array<{ label: string; body: { engage: boolean; flatten: boolean; stopAlgos: boolean } | null }>;
}

/**
 * Names what engaging does ("Halt all trading and cancel 12 open orders?") with the choice to
 * also square off and stop every algo; or, engaged, what releasing does.
 */
export function killSwitchDialog(risk: TrayRisk, openOrders: number, algosRunning: number): KillSwitchDialog {
  if (risk.killSwitch) {
    return {
      message: 'Release the kill switch?',
      detail: 'New orders pass the risk checks again. Algos that were stopped stay stopped until started.',
      buttons: [
        { label: 'Release', body: { engage: false, flatten: false, stopAlgos: false } },
        { label: 'Cancel', body: null },
      ],
    };
  }
  const orders = openOrders === 0 ? 'no open orders to cancel' : `cancel ${count(openOrders, 'open order')}`;
  const algos = algosRunning === 0 ? 'stop every algo' : `stop ${count(algosRunning, 'running algo')}`;
  return {
    message: `Halt all trading and ${openOrders === 0 ? 'refuse every new order' : orders}?`,
    detail: `Every agent's algos are refused new orders until you release the switch${openOrders === 0 ? ` (there are ${orders})` : ''}. You may also square off every position at the market and ${algos} across the fleet.`,
    buttons: [
      { label: 'Halt and cancel orders', body: { engage: true, flatten: false, stopAlgos: false } },
      { label: 'Halt, square off and stop algos', body: { engage: true, flatten: true, stopAlgos: true } },
      { label: 'Cancel', body: null },
    ],
  };
}
