/**
 * Orders in the hub's database: each is written before any broker sees it, with every
 * transition and fill, so a hub that restarts loses nothing and can reconcile what was in flight
 * with the broker's order book. An order's lifecycle only moves forward; a resent order with the
 * same client order id (per algo) is the order already written, never a second one.
 */
import type Database from 'better-sqlite3';
import { type Fill, type Order, type OrderRequest, type OrderState, orderMayMove } from '../../shared/order';

interface Row {
  id: string;
  algo: string;
  client_id: string | null;
  request: string;
  state: OrderState;
  filled: number;
  average_price: number | null;
  fees: number;
  broker_id: string | null;
  rejection: string | null;
  created: number;
  updated: number;
}

function orderOf(row: Row): Order {
  return {
    ...(JSON.parse(row.request) as OrderRequest),
    id: row.id,
    state: row.state,
    filledQuantity: row.filled,
    averagePrice: row.average_price,
    fees: row.fees,
    brokerOrderId: row.broker_id,
    rejection: row.rejection === null ? null : (JSON.parse(row.rejection) as Order['rejection']),
    createdAt: new Date(row.created).toISOString(),
    updatedAt: new Date(row.updated).toISOString(),
  };
}

/** The message of the event that marks an order handed to its broker. */
const SENT = 'sent to the broker';

export interface TransitionPatch {
  brokerOrderId?: string;
  rejection?: Order['rejection'];
  message?: string;
}

export interface OrderQuery {
  algo?: string | undefined;
  /** Any of these algos (none: no order). */
  algos?: string[] | undefined;
  state?: OrderState | undefined;
  limit: number;
}

export class OrderStore {
  /** The statements of the order path, prepared once (preparing costs more than running them). */
  private readonly sql;
  /** One transaction function for every transaction (making one per call costs more than the commit's writes). */
  private readonly transaction: (work: () => unknown) => unknown;
  /**
   * Orders not yet filled, cancelled or rejected, as last written: the order path reads these
   * (the broker's answers move them) without a query and a parse per step.
   */
  private readonly live = new Map<string, Order>();

  constructor(private readonly db: Database.Database) {
    this.sql = {
      byClientId: db.prepare(`SELECT * FROM orders WHERE algo = ? AND client_id = ?`),
      insert: db.prepare(`INSERT INTO orders (id, algo, client_id, request, state, created, updated) VALUES (?, ?, ?, ?, 'pending', ?, ?)`),
      event: db.prepare(`INSERT INTO order_events (order_id, at, state, message) VALUES (?, ?, ?, ?)`),
      get: db.prepare(`SELECT * FROM orders WHERE id = ?`),
      move: db.prepare(`UPDATE orders SET state = ?, broker_id = coalesce(?, broker_id), rejection = coalesce(?, rejection), updated = ? WHERE id = ?`),
      fill: db.prepare(`INSERT INTO fills (order_id, at, quantity, price, fees) VALUES (?, ?, ?, ?, ?)`),
      filled: db.prepare(`UPDATE orders SET filled = ?, average_price = ?, fees = fees + ? WHERE id = ?`),
      sent: db.prepare(`SELECT 1 FROM order_events WHERE order_id = ? AND state = 'pending' AND message = ? LIMIT 1`),
    };
    this.transaction = db.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `work` in one transaction: the writes of an order's admission (its check's outcome, the
   * paper broker's answer and fills) are then one commit rather than several. Inside one already,
   * `work` joins it (no savepoint): a throw anywhere rolls the whole of it back. The live orders'
   * copies are dropped on a rollback, as they may hold what was never committed.
   */
  atomically<T>(work: () => T): T {
    if (this.db.inTransaction) return work();
    try {
      return this.transaction(work) as T;
    } catch (error) {
      this.live.clear();
      throw error;
    }
  }

  /** Writes a new order (`pending`), or returns the one this algo already sent with the same client order id. */
  insertOrGet(id: string, request: OrderRequest, now: number): { order: Order; created: boolean } {
    return this.atomically(() => {
      if (request.clientOrderId !== undefined) {
        const existing = this.sql.byClientId.get(request.algo, request.clientOrderId) as Row | undefined;
        if (existing) return { order: orderOf(existing), created: false };
      }
      const text = JSON.stringify(request);
      this.sql.insert.run(id, request.algo, request.clientOrderId ?? null, text, now, now);
      this.sql.event.run(id, now, 'pending', null);
      // The order as a read would give it (the request as stored, nothing filled), without the read.
      const at = new Date(now).toISOString();
      const order: Order = { ...(JSON.parse(text) as OrderRequest), id, state: 'pending', filledQuantity: 0, averagePrice: null, fees: 0, brokerOrderId: null, rejection: null, createdAt: at, updatedAt: at };
      this.live.set(id, order);
      return { order, created: true };
    });
  }

  get(id: string): Order | undefined {
    const live = this.live.get(id);
    if (live) return live;
    const row = this.sql.get.get(id) as Row | undefined;
    return row ? orderOf(row) : undefined;
  }

  list(query: OrderQuery): Order[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.algo !== undefined) {
      where.push('algo = ?');
      values.push(query.algo);
    }
    if (query.algos !== undefined) {
      where.push(`algo IN (SELECT value FROM json_each(?))`);
      values.push(JSON.stringify(query.algos));
    }
    if (query.state !== undefined) {
      where.push('state = ?');
      values.push(query.state);
    }
    const rows = this.db.prepare(`SELECT * FROM orders ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created DESC, id DESC LIMIT ?`).all(...values, query.limit) as Row[];
    return rows.map(orderOf);
  }

  /** Orders not yet filled, cancelled or rejected (what a restarted hub reconciles). */
  unfinished(): Order[] {
    return (this.db.prepare(`SELECT * FROM orders WHERE state NOT IN ('filled', 'cancelled', 'rejected') ORDER BY created`).all() as Row[]).map(orderOf);
  }

  /** Moves an order on; a move its lifecycle does not allow is a bug, and throws. */
  transition(id: string, state: OrderState, now: number, patch: TransitionPatch = {}): Order {
    return this.atomically(() => {
      const order = this.get(id);
      if (!order) throw new Error(`no order ${id}`);
      return this.move(order, state, now, patch);
    });
  }

  /** A fill: the order's filled quantity, average price, fees and state follow, in one transaction. */
  addFill(id: string, quantity: number, price: number, fees: number, now: number): Order {
    return this.atomically(() => {
      const order = this.get(id);
      if (!order) throw new Error(`no order ${id}`);
      const filled = Math.min(order.quantity, order.filledQuantity + quantity);
      const taken = filled - order.filledQuantity;
      if (taken <= 0) return order;
      const average = ((order.averagePrice ?? 0) * order.filledQuantity + price * taken) / filled;
      this.sql.fill.run(id, now, taken, price, fees);
      this.sql.filled.run(filled, average, fees, id);
      return this.move({ ...order, filledQuantity: filled, averagePrice: average, fees: order.fees + fees }, filled === order.quantity ? 'filled' : 'partially_filled', now, {});
    });
  }

  /** Writes a move of `order` (as just read, inside the caller's transaction) and answers the order after it, without reading it again. */
  private move(order: Order, state: OrderState, now: number, patch: TransitionPatch): Order {
    if (!orderMayMove(order.state, state)) throw new Error(`order ${order.id} cannot go from ${order.state} to ${state}`);
    this.sql.move.run(state, patch.brokerOrderId ?? null, patch.rejection ? JSON.stringify(patch.rejection) : null, now, order.id);
    this.sql.event.run(order.id, now, state, patch.message ?? patch.rejection?.message ?? null);
    const moved: Order = {
      ...order,
      state,
      brokerOrderId: patch.brokerOrderId ?? order.brokerOrderId,
      rejection: patch.rejection ?? order.rejection,
      updatedAt: new Date(now).toISOString(),
    };
    if (state === 'filled' || state === 'cancelled' || state === 'rejected') this.live.delete(order.id);
    else this.live.set(order.id, moved);
    return moved;
  }

  /**
   * Marks an order as handed to its broker (an event row, in the caller's transaction): after a
   * restart, a pending order with the mark may be at the broker already and is reconciled, never
   * checked and placed again; one without it never left.
   */
  markSent(id: string, now: number): void {
    this.sql.event.run(id, now, 'pending', SENT);
  }

  /** Whether the order was handed to its broker (see `markSent`). */
  wasSent(id: string): boolean {
    return this.sql.sent.get(id, SENT) !== undefined;
  }

  fills(id: string): Fill[] {
    const rows = this.db.prepare(`SELECT order_id, at, quantity, price, fees FROM fills WHERE order_id = ? ORDER BY id`).all(id) as Array<{ order_id: string; at: number; quantity: number; price: number; fees: number }>;
    return rows.map((row) => ({ orderId: row.order_id, at: new Date(row.at).toISOString(), quantity: row.quantity, price: row.price, fees: row.fees }));
  }

  /** Every state an order passed through, oldest first. */
  history(id: string): Array<{ at: string; state: OrderState; message: string | null }> {
    const rows = this.db.prepare(`SELECT at, state, message FROM order_events WHERE order_id = ? ORDER BY rowid`).all(id) as Array<{ at: number; state: OrderState; message: string | null }>;
    return rows.map((row) => ({ at: new Date(row.at).toISOString(), state: row.state, message: row.message }));
  }
}
