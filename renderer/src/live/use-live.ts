/** React's view of the live prices: one subscription per shown instrument, re-rendered only when it changes. */
import { useEffect, useSyncExternalStore } from 'react';
import type { Tick } from '../../../shared/tick';
import type { StreamState } from '../../../shared/contract/stream-client';
import type { LiveFeed } from './live-feed';

export interface LiveQuote {
  tick: Tick | undefined;
  stale: boolean;
}

/** The instrument's latest tick and whether it is stale; re-renders once a frame at most. */
export function useQuote(feed: LiveFeed, id: string): LiveQuote {
  const prices = feed.prices;
  useSyncExternalStore(
    (listener) => prices.subscribe(id, listener),
    () => prices.version(id),
  );
  return { tick: prices.get(id), stale: prices.isStale(id) };
}

/** Keeps live prices of these instruments coming while the component is shown. */
export function useWant(feed: LiveFeed, ids: readonly string[]): void {
  const key = ids.join('\n');
  useEffect(() => feed.want(key === '' ? [] : key.split('\n')), [feed, key]);
}

export function useStreamState(feed: LiveFeed): { state: StreamState; detail: string | undefined } {
  const state = useSyncExternalStore(
    (listener) => feed.onState(listener),
    () => feed.connection.state,
  );
  return { state, detail: feed.connection.detail };
}
