/**
 * Everything the dashboard holds for one signed-in agent: the connection, the live feed, and
 * one store slice per page.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { AgentConnection } from '../agent/agent-connection';
import { LiveFeed } from '../live/live-feed';
import { createAgentStore } from '../stores/agent-store';
import { createAlgosStore } from '../stores/algos-store';
import { createBrokerStore } from '../stores/broker-store';
import { createFleetStore } from '../stores/fleet-store';
import { createOrdersStore } from '../stores/orders-store';
import { createRiskStore } from '../stores/risk-store';
import { createTickerStore } from '../stores/ticker-store';
import { activeList, createWatchlistStore } from '../stores/watchlist-store';

export interface Deck {
  agent: AgentConnection;
  feed: LiveFeed;
  system: ReturnType<typeof createAgentStore>;
  ticker: ReturnType<typeof createTickerStore>;
  watchlists: ReturnType<typeof createWatchlistStore>;
  broker: ReturnType<typeof createBrokerStore>;
  fleet: ReturnType<typeof createFleetStore>;
  orders: ReturnType<typeof createOrdersStore>;
  risk: ReturnType<typeof createRiskStore>;
  algos: ReturnType<typeof createAlgosStore>;
  close(): void;
}

export function openDeck(agent: AgentConnection): Deck {
  const feed = new LiveFeed(agent);
  const ticker = createTickerStore(agent);
  // Prices go stale after the ticker's own limit, whatever it is configured to.
  const offStale = ticker.subscribe((state) => {
    if (state.ticker) feed.prices.setStaleAfter(state.ticker.staleAfterMs);
  });
  const watchlists = createWatchlistStore(agent);
  // What the first screen shows is asked for at once, before React has rendered anything:
  // the watchlists, then the open list's prices, and the ticker's state.
  void watchlists
    .getState()
    .load()
    .then(() => {
      const list = activeList(watchlists.getState());
      if (list) return feed.prefetch(list.instruments);
    });
  void ticker.getState().refresh();
  const fleet = createFleetStore(agent);
  return {
    agent,
    feed,
    system: createAgentStore(agent),
    ticker,
    watchlists,
    broker: createBrokerStore(agent),
    fleet,
    orders: createOrdersStore(agent),
    risk: createRiskStore(agent),
    algos: createAlgosStore(agent, fleet),
    close() {
      offStale();
      feed.close();
      agent.close();
    },
  };
}

export const DeckContext = createContext<Deck | null>(null);

export function useDeck(): Deck {
  const deck = useContext(DeckContext);
  if (!deck) throw new Error('useDeck outside a signed-in dashboard');
  return deck;
}

/** A slice's value, re-rendering only when the selected part changes. */
export function useSlice<S, T>(store: StoreApi<S>, select: (state: S) => T): T {
  return useStore(store, select);
}
