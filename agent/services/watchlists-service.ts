/**
 * Watchlists as a service: the store and its API methods. A fresh agent on the simulated market
 * gets one watchlist, once, with the instruments it ticks from the start.
 */
import type { Api } from '../../shared/contract/api';
import type { ApiCore } from '../api/api-core';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { AgentDb } from '../store/agent-db';
import { WatchlistStore } from '../watchlists/watchlist-store';
import type { Service } from './service';

export interface WatchlistsServiceOptions {
  db: AgentDb;
  registry: InstrumentRegistry;
  api: ApiCore<Api>;
  /** The watchlist a fresh agent starts with (never made again once the agent has started). */
  firstRun?: { name: string; instruments: string[] };
}

const SEEDED = 'watchlists.seeded';

export function watchlistsService(options: WatchlistsServiceOptions): Service<WatchlistStore> {
  return {
    name: 'watchlists',
    start() {
      const { db, registry, api, firstRun } = options;
      const store = new WatchlistStore(db.db);
      if (db.setting(SEEDED) === undefined) {
        if (firstRun && store.list().length === 0) store.create(firstRun.name, firstRun.instruments);
        db.saveSettings({ [SEEDED]: '1' });
      }
      api.provide({
        listWatchlists: () => ({ watchlists: store.list() }),
        createWatchlist: ({ name, instruments }) => {
          registry.requireKnown(instruments);
          return store.create(name, instruments);
        },
        updateWatchlist: ({ id, name, instruments }) => {
          if (instruments) registry.requireKnown(instruments);
          return store.update(id, { name, instruments });
        },
        deleteWatchlist: ({ id }) => {
          store.delete(id);
          return { deleted: id };
        },
      });
      return store;
    },
    stop() {},
  };
}
