/**
 * The instruments master: every instrument the agent can carry, kept in the agent's SQLite file,
 * looked up by id and token and searched through the API. Today the provider is the simulated
 * market, whose universe is written to the store at each start.
 */
import type { Logger } from 'pino';
import type { Api } from '../../shared/contract/api';
import type { ApiCore } from '../api/api-core';
import { InstrumentRegistry } from '../instruments/instrument-registry';
import { InstrumentStore } from '../instruments/instrument-store';
import { buildUniverse, listed, type SimInstrument } from '../market/sim/universe';
import type { AgentDb } from '../store/agent-db';
import type { Service } from './service';

export interface InstrumentsServiceOptions {
  db: AgentDb;
  log: Logger;
  /** Generated instruments added to the simulated universe. */
  generated: number;
  api: ApiCore<Api>;
}

export interface Instruments {
  registry: InstrumentRegistry;
  store: InstrumentStore;
  /** The simulated market's instruments with their parameters, for its history. */
  simUniverse: readonly SimInstrument[];
}

export function instrumentsService(options: InstrumentsServiceOptions): Service<Instruments> {
  return {
    name: 'instruments',
    start() {
      const store = new InstrumentStore(options.db.db);
      const simUniverse = buildUniverse({ generated: options.generated });
      const universe = simUniverse.map(listed);
      const changes = store.sync(universe);
      if (changes.added + changes.changed + changes.unlisted > 0) options.log.info(changes, 'instruments master updated');
      const registry = new InstrumentRegistry(store.listed());
      options.api.provide({ listInstruments: ({ search, limit }) => ({ instruments: registry.search(search, limit) }) });
      return { registry, store, simUniverse };
    },
    stop() {},
  };
}
