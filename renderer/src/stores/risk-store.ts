/**
 * The risk slice, read by the top bar on every page and by the risk page: the agent's summary
 * (trading states, money at risk by algo and instrument, P&L, drawdowns, the limits in force),
 * polled and refreshed at once when a trading state changes (the `risk` topic) or an order moves
 * (the `orders` topic, when a page follows it); the daily history; the limits and the kill
 * switch. Actions answer with the agent's state or throw its error for the page to show.
 */
import { createStore } from 'zustand/vanilla';
import type { ApiInput, KillSwitchResult } from '../../../shared/contract/api';
import type { RiskMessage } from '../../../shared/contract/stream';
import type { RiskDay, RiskLimitSet, RiskSummary } from '../../../shared/risk';
import type { AgentConnection } from '../agent/agent-connection';
import { formatQuantity } from '../format/numbers';
import { type ShownError, shownError } from './errors';
import { topicWatch } from './topic-watch';
import { Polling } from './polling';

/** Trading-state changes kept for the risk page. */
const CHANGES_KEPT = 50;
/** However many orders move, the summary is asked for at most this often because of them. */
const ORDER_REFRESH_MS = 250;

export type LimitsChange = ApiInput<'setRiskLimits'>;

/** What the kill switch would act on, counted when its confirm opens. */
export interface KillSwitchPreview {
  /** Orders not yet filled, cancelled or rejected: every one is cancelled. */
  openOrders: number;
  /** Positions not flat: squared off with `flatten`. */
  openPositions: number;
  /** Algos running across the fleet, and the agents they run on: stopped with `stopAlgos`. */
  runningAlgos: number;
  agents: number;
  /** Why a count could not be made (shown; the kill switch works without it). */
  problems: string[];
}

export interface RiskSlice {
  summary: RiskSummary | null;
  error: ShownError | null;
  updatedAt: number | null;
  /** Trading-state changes seen since the page loaded, newest first, with when they arrived. */
  changes: Array<RiskMessage & { at: number }>;
  /** The daily records, newest first. */
  history: RiskDay[] | null;
  historyError: ShownError | null;
  /** Keeps the summary fresh while a view shows it. */
  watch(): () => void;
  refresh(): Promise<void>;
  loadHistory(days: number): Promise<void>;
  /** A partial change (a field named changes, null removes it); answers the limits in force. */
  setLimits(change: LimitsChange): Promise<RiskLimitSet>;
  setKillSwitch(input: ApiInput<'setKillSwitch'>): Promise<KillSwitchResult>;
  /** One algo's trading state, or everything's (`global`), by hand. */
  setTradingState(input: ApiInput<'setTradingState'>): Promise<void>;
  previewKillSwitch(): Promise<KillSwitchPreview>;
}

/** `1 open order`, `12 open orders`, grouped the Indian way. */
export const plural = (n: number, one: string, many: string): string => `${formatQuantity(n)} ${n === 1 ? one : many}`;

/** The sentence the confirm asks: what engaging will do with these options. */
export function killSwitchQuestion(preview: KillSwitchPreview | null, flatten: boolean, stopAlgos: boolean): string {
  const parts = ['Halt all trading'];
  if (preview === null) parts.push('cancel every open order');
  else if (preview.openOrders > 0) parts.push(`cancel ${plural(preview.openOrders, 'open order', 'open orders')}`);
  if (flatten) parts.push(preview === null ? 'square off every position' : `square off ${plural(preview.openPositions, 'position', 'positions')}`);
  if (stopAlgos) parts.push(preview === null ? 'stop every algo' : `stop ${plural(preview.runningAlgos, 'algo', 'algos')} on ${plural(preview.agents, 'agent', 'agents')}`);
  const last = parts.pop()!;
  return `${parts.length > 0 ? `${parts.join(', ')} and ${last}` : last}?`;
}

export function createRiskStore(agent: AgentConnection, pollMs = 2_000) {
  return createStore<RiskSlice>()((set, get) => {
    let soon: ReturnType<typeof setTimeout> | null = null;

    const apply = (summary: RiskSummary) => set({ summary, error: null, updatedAt: Date.now() });
    const polling = new Polling(async () => {
      try {
        apply(await agent.api.call('getRisk'));
      } catch (error) {
        set({ error: shownError(error) });
      }
    }, pollMs);
    const refreshSoon = () => {
      soon ??= setTimeout(() => {
        soon = null;
        void polling.now();
      }, ORDER_REFRESH_MS);
    };

    const onMessage = (message: { type: string }) => {
      if (message.type === 'risk_state') {
        set({ changes: [{ ...(message as RiskMessage), at: Date.now() }, ...get().changes].slice(0, CHANGES_KEPT) });
        void polling.now();
      } else if (message.type === 'orders') refreshSoon();
    };

    const count = async (what: string, run: () => Promise<number>, problems: string[]): Promise<number> => {
      try {
        return await run();
      } catch (error) {
        problems.push(`${what}: ${shownError(error).message}`);
        return 0;
      }
    };

    const watchTopic = topicWatch(agent, 'risk', {
      message: onMessage,
      reconnected: () => void polling.now(),
      failed: (error) => set({ error: shownError(error) }),
      stopped: () => {
        if (soon) clearTimeout(soon);
        soon = null;
      },
    });

    return {
      summary: null,
      error: null,
      updatedAt: null,
      changes: [],
      history: null,
      historyError: null,
      watch() {
        const stopPolling = polling.watch();
        const stopWatching = watchTopic();
        return () => {
          stopPolling();
          stopWatching();
        };
      },
      refresh: () => polling.now(),
      async loadHistory(days) {
        try {
          const { days: history } = await agent.api.call('getRiskHistory', { days });
          set({ history, historyError: null });
        } catch (error) {
          set({ historyError: shownError(error) });
        }
      },
      async setLimits(change) {
        const limits = await agent.api.call('setRiskLimits', change);
        const summary = get().summary;
        if (summary) set({ summary: { ...summary, limits } });
        // New limits may move trading states at once.
        void polling.now();
        return limits;
      },
      async setKillSwitch(input) {
        const result = await agent.api.call('setKillSwitch', input);
        apply(result.risk);
        return result;
      },
      async setTradingState(input) {
        apply(await agent.api.call('setTradingState', input));
      },
      async previewKillSwitch() {
        const problems: string[] = [];
        const unfinished = (state: 'pending' | 'open' | 'partially_filled') => agent.api.call('listOrders', { state, limit: 1000 }).then((answer) => answer.orders.length);
        const [pending, open, partial, openPositions, fleet] = await Promise.all([
          count('orders', () => unfinished('pending'), problems),
          count('orders', () => unfinished('open'), problems),
          count('orders', () => unfinished('partially_filled'), problems),
          count('positions', async () => (await agent.api.call('getPositions')).positions.filter((position) => position.quantity !== 0).length, problems),
          (async () => {
            try {
              const { agents } = await agent.api.call('listAgents');
              const online = agents.filter((member) => member.status === 'online');
              return { runningAlgos: online.reduce((sum, member) => sum + member.tasks.running, 0), agents: online.filter((member) => member.tasks.running > 0).length };
            } catch (error) {
              problems.push(`algos: ${shownError(error).message}`);
              return { runningAlgos: 0, agents: 0 };
            }
          })(),
        ]);
        return { openOrders: pending + open + partial, openPositions, ...fleet, problems: [...new Set(problems)] };
      },
    };
  });
}
export type RiskStore = ReturnType<typeof createRiskStore>;
