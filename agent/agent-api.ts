/** The handler of every contract method: transport-free, called by REST routes and tests alike. */
import type { ApiHandlers } from '../shared/contract/api';
import { ApiError } from '../shared/errors';
import type { Tick } from '../shared/tick';
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
      const unknown = registry.unknown(instruments);
      if (unknown.length > 0) {
        throw new ApiError('unknown_instrument', `Unknown instrument${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}.`, {
          field: 'instruments',
          details: { unknown },
        });
      }
      const quotes: Record<string, Tick> = {};
      for (const id of instruments) {
        const tick = hub.latest(registry.get(id)!.token);
        if (tick) quotes[id] = tick;
      }
      return { quotes };
    },
  };
}
