/**
 * The orders page's slice: the latest orders (from `GET /api/v1/orders`, then live from the
 * `orders` topic, merged by id), the positions as the agent marks them (polled while shown, and
 * again at once when an order moves), and the order ticket (whether it is open, and on what).
 * Placing and cancelling answer with the agent's order or throw its error: a `risk_rejected`
 * names its rule, and the refused order joins the list as the agent kept it.
 */
import { createStore } from 'zustand/vanilla';
import type { ApiInput } from '../../../shared/contract/api';
import type { OrdersMessage } from '../../../shared/contract/stream';
import { ApiError } from '../../../shared/errors';
import { FINAL_ORDER_STATES, type Order, type OrderSide } from '../../../shared/order';
import type { PositionInfo } from '../../../shared/risk';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';
import { Polling } from './polling';
import { topicWatch } from './topic-watch';

/** The newest orders kept (and asked for): a day of a busy book, never the whole history. */
export const ORDERS_KEPT = 500;

/** The algo a manual order is booked to unless the trader names another. */
export const MANUAL_ALGO = 'manual';

export type PlaceOrderInput = ApiInput<'placeOrder'>;

/** What the ticket opens on: a side, and the instrument, quantity and algo it starts with. */
export interface TicketDraft {
  side: OrderSide;
  instrument: string | null;
  quantity?: number;
  algo?: string;
  /** Different for each opening, so the form starts afresh. */
  opened: number;
}

export interface OrdersSlice {
  /** Newest first; null until first loaded. */
  orders: Order[] | null;
  error: ShownError | null;
  positions: PositionInfo[] | null;
  positionsError: ShownError | null;
  ticket: TicketDraft | null;
  /** Whether the ticket was ever opened (its code is loaded from then on). */
  ticketUsed: boolean;
  /** Loads the orders and follows them live while a view shows them. */
  watch(): () => void;
  /** Keeps the positions fresh while a view shows them. */
  watchPositions(): () => void;
  refresh(): Promise<void>;
  refreshPositions(): Promise<void>;
  place(order: PlaceOrderInput): Promise<Order>;
  cancel(id: string): Promise<Order>;
  openTicket(draft: Omit<TicketDraft, 'opened'>): void;
  closeTicket(): void;
}

/** Whether `a` is the later state of the same order than `b` (a late message never undoes a newer one). */
function later(a: Order, b: Order): boolean {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  if (a.filledQuantity !== b.filledQuantity) return a.filledQuantity > b.filledQuantity;
  return FINAL_ORDER_STATES.includes(a.state) || !FINAL_ORDER_STATES.includes(b.state);
}

/**
 * The orders after some changed: each replaced by its later state, new ones added, newest first,
 * at most `kept`. Orders that did not change stay the same objects (their rows do not redraw).
 */
export function mergeOrders(current: readonly Order[], changed: readonly Order[], kept = ORDERS_KEPT): Order[] {
  const byId = new Map<string, Order>();
  for (const order of changed) {
    const seen = byId.get(order.id);
    if (!seen || later(order, seen)) byId.set(order.id, order);
  }
  const merged = current.map((order) => {
    const next = byId.get(order.id);
    if (!next) return order;
    byId.delete(order.id);
    return later(next, order) ? next : order;
  });
  if (byId.size === 0) return merged;
  return [...byId.values(), ...merged].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).slice(0, kept);
}

/** Orders the broker may still fill: what the kill switch cancels and the open-orders table lists. */
export function isOpen(order: Order): boolean {
  return !FINAL_ORDER_STATES.includes(order.state);
}

export interface MarkedPosition {
  lastPrice: number | null;
  unrealised: number;
  /** Realised plus unrealised. */
  pnl: number;
}

/**
 * A position marked at `live` (the latest tick the page has), as the agent marks it: unrealised
 * is (price − average) × the signed quantity. Without a tick, the agent's own last mark.
 */
export function markPosition(position: PositionInfo, live: number | undefined): MarkedPosition {
  const lastPrice = live !== undefined && Number.isFinite(live) ? live : position.lastPrice;
  const unrealised = position.quantity === 0 ? 0 : lastPrice === null ? position.unrealised : (lastPrice - position.averagePrice) * position.quantity;
  return { lastPrice, unrealised, pnl: position.realised + unrealised };
}

/** The rejected order a `risk_rejected` error carries, if it does. */
function refusedOrder(error: unknown): Order | null {
  if (!(error instanceof ApiError) || error.code !== 'risk_rejected') return null;
  const order = (error.details as { order?: Order } | undefined)?.order;
  return order && typeof order.id === 'string' ? order : null;
}

export function createOrdersStore(agent: AgentConnection, pollMs = 2_000) {
  return createStore<OrdersSlice>()((set, get) => {
    let opened = 0;

    const merge = (changed: Order[]) => {
      const orders = get().orders;
      if (orders) set({ orders: mergeOrders(orders, changed) });
    };
    const load = async () => {
      try {
        const { orders } = await agent.api.call('listOrders', { limit: ORDERS_KEPT });
        // Messages that arrived while the list was on its way are later than it, or the same.
        set({ orders: mergeOrders(orders, get().orders ?? []), error: null });
      } catch (error) {
        set({ error: shownError(error) });
      }
    };
    const positions = new Polling(async () => {
      try {
        const answer = await agent.api.call('getPositions');
        set({ positions: answer.positions, positionsError: null });
      } catch (error) {
        set({ positionsError: shownError(error) });
      }
    }, pollMs);

    let positionWatchers = 0;
    const onMessage = (message: { type: string }) => {
      if (message.type !== 'orders') return;
      merge((message as OrdersMessage).orders);
      // A fill moves a position: a view showing them sees it now rather than at the next poll.
      if (positionWatchers > 0) void positions.now();
    };

    return {
      orders: null,
      error: null,
      positions: null,
      positionsError: null,
      ticket: null,
      ticketUsed: false,
      // Subscribed first, then loaded: nothing placed in between is missed.
      watch: topicWatch(agent, 'orders', { message: onMessage, reconnected: () => void load(), failed: (error) => set({ error: shownError(error) }), started: () => void load() }),
      watchPositions() {
        positionWatchers++;
        const stop = positions.watch();
        let released = false;
        return () => {
          if (released) return;
          released = true;
          positionWatchers--;
          stop();
        };
      },
      refresh: load,
      refreshPositions: () => positions.now(),
      async place(order) {
        try {
          const placed = await agent.api.call('placeOrder', order);
          merge([placed]);
          if (positionWatchers > 0) void positions.now();
          return placed;
        } catch (error) {
          const refused = refusedOrder(error);
          if (refused) merge([refused]);
          throw error;
        }
      },
      async cancel(id) {
        const cancelled = await agent.api.call('cancelOrder', { id });
        merge([cancelled]);
        return cancelled;
      },
      openTicket: (draft) => set({ ticket: { ...draft, opened: ++opened }, ticketUsed: true }),
      closeTicket: () => set({ ticket: null }),
    };
  });
}
export type OrdersStore = ReturnType<typeof createOrdersStore>;
