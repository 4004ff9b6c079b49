/**
 * The broker page's slice: the session (who, until when), the credentials (the secret is
 * write-only: the agent only says whether one is set), the login and the logout.
 */
import { createStore } from 'zustand/vanilla';
import type { BrokerState } from '../../../shared/contract/api';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';
import { Polling } from './polling';

export interface BrokerSlice {
  broker: BrokerState | null;
  error: ShownError | null;
  refresh(): Promise<void>;
  watch(): () => void;
  saveCredentials(apiKey: string, apiSecret: string): Promise<BrokerState>;
  /** The broker's login page for one login (the agent's callback finishes it). */
  loginUrl(): Promise<string>;
  logout(): Promise<BrokerState>;
  refreshInstruments(): Promise<void>;
}

export function createBrokerStore(agent: AgentConnection, pollMs = 5_000) {
  return createStore<BrokerSlice>()((set) => {
    const apply = (broker: BrokerState) => {
      set({ broker, error: null });
      return broker;
    };
    const polling = new Polling(async () => {
      try {
        apply(await agent.api.call('getBroker'));
      } catch (error) {
        set({ error: shownError(error) });
      }
    }, pollMs);
    return {
      broker: null,
      error: null,
      refresh: () => polling.now(),
      watch: () => polling.watch(),
      saveCredentials: async (apiKey, apiSecret) => apply(await agent.api.call('setBrokerCredentials', { apiKey, apiSecret })),
      loginUrl: async () => (await agent.api.call('getBrokerLoginUrl')).url,
      logout: async () => apply(await agent.api.call('deleteBrokerSession')),
      async refreshInstruments() {
        await agent.api.call('refreshInstruments');
        await polling.now();
      },
    };
  });
}
export type BrokerStore = ReturnType<typeof createBrokerStore>;
