/**
 * The ticker page's slice: the engine's state (workers, subscriptions, stale instruments),
 * polled while shown, and the actions that change it. Each action answers with the agent's new
 * state, which replaces ours at once; a refusal throws the agent's error for the form to show.
 */
import { createStore } from 'zustand/vanilla';
import type { TickerState } from '../../../shared/contract/api';
import type { TickMode } from '../../../shared/tick';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';
import { Polling } from './polling';

export interface TickerSlice {
  ticker: TickerState | null;
  /** Why the last refresh failed (the page keeps the last state it had). */
  error: ShownError | null;
  updatedAt: number | null;
  refresh(): Promise<void>;
  subscribe(instruments: string[], mode: TickMode): Promise<TickerState>;
  unsubscribe(instruments: string[]): Promise<TickerState>;
  setWorkers(count: number): Promise<TickerState>;
  /** Stops every worker, keeping the subscriptions (it stays stopped until started). */
  stop(): Promise<TickerState>;
  start(): Promise<TickerState>;
  /** Keeps the state fresh while a view shows it. */
  watch(): () => void;
}

export function createTickerStore(agent: AgentConnection, pollMs = 2_000) {
  const store = createStore<TickerSlice>()((set) => {
    const apply = (ticker: TickerState) => {
      set({ ticker, error: null, updatedAt: Date.now() });
      return ticker;
    };
    const polling = new Polling(async () => {
      try {
        apply(await agent.api.call('getTicker'));
      } catch (error) {
        set({ error: shownError(error) });
      }
    }, pollMs);
    return {
      ticker: null,
      error: null,
      updatedAt: null,
      refresh: () => polling.now(),
      subscribe: async (instruments, mode) => apply(await agent.api.call('subscribe', { instruments, mode })),
      unsubscribe: async (instruments) => apply(await agent.api.call('unsubscribe', { instruments })),
      setWorkers: async (count) => apply(await agent.api.call('setWorkers', { count })),
      stop: async () => apply(await agent.api.call('stopTicker', {})),
      start: async () => apply(await agent.api.call('startTicker', {})),
      watch: () => polling.watch(),
    };
  });
  return store;
}
export type TickerStore = ReturnType<typeof createTickerStore>;
