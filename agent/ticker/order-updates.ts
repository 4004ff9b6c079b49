/**
 * Kite's order updates (postbacks on the ticker's websocket), from every worker to whoever
 * listens (the Kite order broker). Kite sends each update on every connection of the API key,
 * so with three workers it arrives three times: it is passed on once. A listener that throws is
 * reported and the others still hear the update.
 */
import type { KiteOrderUpdate } from '../broker/kite/kite-order-update';

export type OrderUpdateListener = (update: KiteOrderUpdate) => void;

/** How long an update is remembered: its copies from the other connections come within this. */
const REMEMBER_MS = 60_000;
/** Updates remembered at most: a flood cannot grow the agent's memory. */
const MAX_REMEMBERED = 10_000;

export class OrderUpdateRelay {
  private readonly listeners = new Set<OrderUpdateListener>();
  /** Key of an update → when it was first seen; oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly onListenerError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  listen(listener: OrderUpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An update from one connection; false when it is a copy of one already passed on. */
  receive(update: KiteOrderUpdate): boolean {
    const now = this.now();
    for (const [key, at] of this.seen) {
      if (now - at < REMEMBER_MS && this.seen.size < MAX_REMEMBERED) break;
      this.seen.delete(key);
    }
    const key = JSON.stringify([update.orderId, update.status, update.filledQuantity, update.quantity, update.averagePrice, update.statusMessage, update.tag]);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (error) {
        this.onListenerError(error);
      }
    }
    return true;
  }
}
