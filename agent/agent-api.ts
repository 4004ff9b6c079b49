/** The handler of every contract method: transport-free, called by REST routes and tests alike. */
import type { ApiHandlers, Quote } from '../shared/contract/api';

import type { InstrumentRegistry } from './instruments/instrument-registry';
import type { TickHub } from './ticker/tick-hub';
import type { TickerSupervisor } from './ticker/ticker-supervisor';

export interface AgentApiDeps {
  version: string;
  startedAt: number;
  registry: InstrumentRegistry;
  ticker: TickerSupervisor;
  hub: TickHub;
}

export function createApiHandlers(deps: AgentApiDeps): ApiHandlers {
  const { registry, ticker, hub } = deps;
  return {
    health: () => ({ status: 'ok', version: deps.version, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) }),
    listInstruments: ({ search, limit }) => ({ instruments: registry.search(search, limit) }),
    getTicker: () => ticker.state(),
    subscribe: ({ instruments, mode }) => ticker.subscribe(instruments, mode),
    unsubscribe: ({ instruments }) => ticker.unsubscribe(instruments),
    setWorkers: ({ count }) => ticker.setWorkerCount(count),
    getQuotes: ({ instruments }) => {
      registry.requireKnown(instruments);
      const quotes: Record<string, Quote> = {};
      const now = Date.now();
      for (const id of instruments) {
        const tick = hub.latest(registry.get(id)!.token);
        // A price a trader might act on says when it is old.
        if (tick) quotes[id] = { ...tick, stale: now - tick.receivedAt > ticker.staleAfterMs };
      }
      return { quotes };
    },
  };
}
