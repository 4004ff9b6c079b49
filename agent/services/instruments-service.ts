/**
 * The instruments master: every instrument the agent can carry, looked up by id and token and
 * searched through the API. Today the simulated market's universe.
 */
import type { Api } from '../../shared/contract/api';
import type { ApiCore } from '../api/api-core';
import { InstrumentRegistry } from '../instruments/instrument-registry';
import { buildUniverse } from '../market/sim/universe';
import type { Service } from './service';

export interface InstrumentsServiceOptions {
  /** Generated instruments added to the simulated universe. */
  generated: number;
  api: ApiCore<Api>;
}

export function instrumentsService(options: InstrumentsServiceOptions): Service<InstrumentRegistry> {
  return {
    name: 'instruments',
    start() {
      const universe = buildUniverse({ generated: options.generated });
      // The sim's own parameters (base price, volatility…) stay inside the sim.
      const registry = new InstrumentRegistry(universe.map(({ basePrice: _b, annualVolatility: _v, dailyVolume: _d, ...instrument }) => instrument));
      options.api.provide({ listInstruments: ({ search, limit }) => ({ instruments: registry.search(search, limit) }) });
      return registry;
    },
    stop() {},
  };
}
