/** The agent itself: its address, version and uptime (the home page and settings show them). */
import { createStore } from 'zustand/vanilla';
import type { HealthResult, SessionInfo } from '../../../shared/contract/api';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';
import { Polling } from './polling';

export interface AgentSlice {
  url: string;
  health: HealthResult | null;
  /** Local time of the last health answer, to count the uptime on between polls. */
  healthAt: number | null;
  session: SessionInfo | null;
  error: ShownError | null;
  watch(): () => void;
  refresh(): Promise<void>;
  setPassword(password: string): Promise<void>;
}

export function createAgentStore(agent: AgentConnection, pollMs = 10_000) {
  return createStore<AgentSlice>()((set) => {
    const polling = new Polling(async () => {
      try {
        const [health, session] = await Promise.all([agent.api.call('health'), agent.api.call('getSession')]);
        set({ health, session, healthAt: Date.now(), error: null });
      } catch (error) {
        set({ error: shownError(error) });
      }
    }, pollMs);
    return {
      url: agent.url,
      health: null,
      healthAt: null,
      session: null,
      error: null,
      watch: () => polling.watch(),
      refresh: () => polling.now(),
      async setPassword(password) {
        set({ session: await agent.api.call('setPassword', { password }) });
      },
    };
  });
}
export type AgentStore = ReturnType<typeof createAgentStore>;

export function passwordProblem(password: string, repeat: string): string | null {
  if (password.length === 0) return null;
  if (password.length < 10) return 'At least 10 characters.';
  if (password.length > 256) return 'At most 256 characters.';
  if (repeat.length > 0 && repeat !== password) return 'The two passwords differ.';
  return null;
}
