/**
 * The algos page's rows: every algo of the fleet once per place it runs, from the tasks of the
 * online agents (a task's name is its algo's name) joined with the risk manager's figures and
 * today's orders. An algo that traded without being a task (run from a terminal) is a row too,
 * with no agent and no task. The trading state shown is the one that holds the algo: its own, or
 * everything's when that is stricter (the kill switch halts every algo, whatever its own state).
 */
import type { AgentInfo } from '../../../shared/fleet';
import type { Order } from '../../../shared/order';
import type { RiskFigures, RiskSummary, StateInfo, TradingState } from '../../../shared/risk';
import type { TaskInfo } from '../../../shared/task';
import { istDayOf } from '../format/time';
import { isOpen, MANUAL_ALGO } from './orders-store';

export interface AlgoAgent {
  id: string;
  name: string;
  hub: boolean;
}

export interface AlgoTrading {
  state: TradingState;
  reason: string | null;
  /** Null when it never moved (an algo without a state of its own). */
  since: string | null;
  /** Whether the state is everything's (stricter than the algo's own). */
  global: boolean;
}

export interface AlgoOrders {
  today: number;
  open: number;
  refused: number;
}

export interface AlgoRow {
  /** `<agent id>:<task id>` for a task, `algo:<name>` for an algo that is not one. */
  key: string;
  name: string;
  /** The agent it runs on; null for an algo that is not a task. */
  agent: AlgoAgent | null;
  task: TaskInfo | null;
  trading: AlgoTrading;
  /** The risk manager's figures; null before its first order. */
  figures: RiskFigures | null;
  orders: AlgoOrders;
}

export interface AlgoRowsInput {
  agents: readonly Pick<AgentInfo, 'id' | 'name' | 'hub' | 'status'>[] | null;
  /** Each online agent's tasks, by agent id. */
  tasks: Readonly<Record<string, readonly TaskInfo[]>>;
  risk: Pick<RiskSummary, 'state' | 'algos'> | null;
  orders: readonly Order[] | null;
  now: number;
}

const STRICTNESS: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/** The state that holds an algo: its own, or everything's when stricter. */
export function tradingOf(own: StateInfo | undefined, global: RiskSummary['state'] | undefined): AlgoTrading {
  // An algo never moved has no "since" worth showing (the agent says the session's start).
  const mine: AlgoTrading = own ? { state: own.state, reason: own.reason, since: own.reason === null && own.state === 'ACTIVE' ? null : own.since, global: false } : { state: 'ACTIVE', reason: null, since: null, global: false };
  if (!global || STRICTNESS[global.state] <= STRICTNESS[mine.state]) return mine;
  const reason = global.killSwitch ? 'the kill switch is engaged' : (global.reason ?? `every algo is ${global.state}`);
  return { state: global.state, reason: `all algos: ${reason}`, since: global.since, global: true };
}

/** Today's orders (IST's day) of each algo: how many, how many still open, how many refused. */
export function ordersByAlgo(orders: readonly Order[] | null, now: number): Map<string, AlgoOrders> {
  const today = istDayOf(now);
  const by = new Map<string, AlgoOrders>();
  for (const order of orders ?? []) {
    if (istDayOf(order.createdAt) !== today) continue;
    const counts = by.get(order.algo) ?? { today: 0, open: 0, refused: 0 };
    counts.today++;
    if (isOpen(order)) counts.open++;
    if (order.state === 'rejected') counts.refused++;
    by.set(order.algo, counts);
  }
  return by;
}

const NO_ORDERS: AlgoOrders = { today: 0, open: 0, refused: 0 };

function figuresOf(risk: AlgoRowsInput['risk'], name: string): RiskFigures | null {
  const algo = risk?.algos[name];
  if (!algo) return null;
  return { moneyAtRisk: algo.moneyAtRisk, pnl: algo.pnl, dayPnl: algo.dayPnl, drawdown: algo.drawdown, openPositions: algo.openPositions };
}

/**
 * The rows, by name (a name on two agents: the hub's first). Offline agents' tasks are not
 * listed (their last figures are not current). Manual orders (the ticket's `manual` algo) are
 * the trader's, not an algo's: not a row unless a task has that name.
 */
export function algoRows(input: AlgoRowsInput): AlgoRow[] {
  const { agents, tasks, risk, orders, now } = input;
  const counted = ordersByAlgo(orders, now);
  const row = (name: string, agent: AlgoAgent | null, task: TaskInfo | null): AlgoRow => ({
    key: agent && task ? `${agent.id}:${task.id}` : `algo:${name}`,
    name,
    agent,
    task,
    trading: tradingOf(risk?.algos[name], risk?.state),
    figures: figuresOf(risk, name),
    orders: counted.get(name) ?? NO_ORDERS,
  });
  const rows: AlgoRow[] = [];
  const asTasks = new Set<string>();
  for (const agent of agents ?? []) {
    if (agent.status !== 'online') continue;
    for (const task of tasks[agent.id] ?? []) {
      asTasks.add(task.name);
      rows.push(row(task.name, { id: agent.id, name: agent.name, hub: agent.hub }, task));
    }
  }
  const others = new Set([...Object.keys(risk?.algos ?? {}), ...counted.keys()]);
  for (const name of others) if (!asTasks.has(name) && name !== MANUAL_ALGO) rows.push(row(name, null, null));
  return rows.sort((a, b) => a.name.localeCompare(b.name) || Number(b.agent?.hub ?? false) - Number(a.agent?.hub ?? false) || (a.agent?.name ?? '').localeCompare(b.agent?.name ?? ''));
}

/** Whether a task is alive or meant to be: running, starting, or waiting to restart (stop is offered, not start). */
export function isLive(task: Pick<TaskInfo, 'state'>): boolean {
  return task.state === 'running' || task.state === 'starting' || task.state === 'waiting';
}

/** The example algos an agent registered that were never started, with the agent each is on. */
export function untriedExamples(agents: AlgoRowsInput['agents'], tasks: AlgoRowsInput['tasks']): Array<{ agent: AlgoAgent; task: TaskInfo }> {
  const found: Array<{ agent: AlgoAgent; task: TaskInfo }> = [];
  for (const agent of agents ?? []) {
    if (agent.status !== 'online') continue;
    for (const task of tasks[agent.id] ?? []) {
      if (task.labels.example === 'yes' && task.run === 0 && task.state === 'stopped') found.push({ agent: { id: agent.id, name: agent.name, hub: agent.hub }, task });
    }
  }
  return found.sort((a, b) => a.task.name.localeCompare(b.task.name));
}
