/**
 * The order router at the hub: every order is written (pending) before anything else, checked
 * by the pre-trade check against the risk book (orders in flight included), and only then sent
 * to the broker; the broker's updates move the order, the book and the trading states. The check
 * and the order's entry into the book happen in one synchronous step, so no other order can slip
 * between them. A router that starts again rebuilds the book from the stored fills and sends the
 * orders still in flight again: nothing is lost, and nothing placed twice.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import type { Order, OrderRequest } from '../../shared/order';
import type { RiskLimitSet } from '../../shared/risk';
import type { PaperOrder, PaperUpdate } from './paper-broker';
import type { OrderStore } from './order-store';
import { preTradeCheck, type RateWindow } from '../risk/pre-trade-check';
import type { RiskBook } from '../risk/risk-book';
import type { RiskStates, StateChange } from '../risk/risk-states';

/** How long an order a restart found unchecked waits for its instrument's first price. */
const RECHECK_WAIT_MS = 30_000;

/**
 * What the router needs of a broker (the paper broker, the Kite adapter). A broker answers
 * through the router's `onBrokerUpdate`, at once or later; `place` and `cancel` never throw for
 * the broker's own refusals (those come back as a `rejected` update).
 */
export interface OrderBroker {
  place(order: PaperOrder): void;
  /** Asks for a cancel; false when the broker has nothing of this order to cancel. */
  cancel(id: string): boolean;
  /**
   * After a restart: orders that were in flight, each with what of it is already recorded. A
   * broker with an order book of its own reconciles them with it (never placing one twice, and
   * reporting only fills beyond `filledQuantity`); the paper broker places what is left.
   */
  resume(orders: ResumedOrder[]): void;
}

export interface ResumedOrder {
  order: PaperOrder;
  /** Already filled and recorded. */
  filledQuantity: number;
  /** The broker's id, when it had answered before the stop. */
  brokerOrderId: string | null;
}

export interface RouterEvents {
  order(order: Order): void;
  states(changes: StateChange[]): void;
}

export interface OrderRouterOptions {
  store: OrderStore;
  book: RiskBook;
  states: RiskStates;
  limits: () => RiskLimitSet;
  /** The exchange's offset from UTC in minutes, for trading windows (absent: windows are not checked). */
  utcOffsetMinutes?: number;
  now?: () => number;
  events?: Partial<RouterEvents>;
}

/**
 * Accepted orders of the last minute, per algo and in all, for the rate rules: their times in
 * order, one array of numbers per algo and one for all (no object per order), counted by a binary
 * search, so a count costs the same at 10 orders a minute and at 100,000.
 */
export class AcceptedOrders implements RateWindow {
  private readonly all: number[] = [];
  private readonly byAlgo = new Map<string, number[]>();

  record(algo: string, at: number): void {
    let own = this.byAlgo.get(algo);
    if (!own) this.byAlgo.set(algo, (own = []));
    for (const times of [this.all, own]) {
      times.push(at);
      // Kept a minute (the longest window asked), dropped in bulk rather than one by one.
      const old = firstAfter(times, at - 60_000);
      if (old > 1024 || old > times.length / 2) times.splice(0, old);
    }
  }

  count(algo: string | null, withinMs: number, now: number): number {
    const times = algo === null ? this.all : this.byAlgo.get(algo);
    return times === undefined ? 0 : times.length - firstAfter(times, now - withinMs);
  }
}

/** The index of the first time after `since` in ascending `times` (its length when none is). */
function firstAfter(times: number[], since: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= since) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class OrderRouter {
  private broker: OrderBroker | undefined;
  private readonly rates = new AcceptedOrders();
  /** The order as the broker's last update left it. */
  private lastUpdate: Order | undefined;
  /** Orders a restart found written but unchecked, waiting for their instrument's first price. */
  private readonly deferred = new Map<string, { order: Order; until: number }>();
  private readonly now: () => number;

  constructor(private readonly options: OrderRouterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Connects the broker; its updates must come to `onBrokerUpdate`. */
  useBroker(broker: OrderBroker): void {
    this.broker = broker;
  }

  /**
   * Places an order for an algo: the stored order, or a `risk_rejected` error naming the rule
   * (the refused order is kept too, with its rule). The same client order id again answers the
   * order already placed.
   */
  place(request: OrderRequest): Order {
    const now = this.now();
    const { store } = this.options;
    // One commit for the order's whole admission: written, checked, marked sent, and what the
    // broker answered at once (the paper broker's open and fills). A broker that calls out (Kite)
    // does so once this turn is over, after the commit: the order is written before it is sent.
    const outcome = store.atomically(() => {
      const { order, created } = store.insertOrGet(newOrderId(), request, now);
      return created ? this.admitOrRefuse(order, now) : order;
    });
    if (outcome instanceof ApiError) throw outcome;
    return outcome;
  }

  /** The check, then the book and the broker: one synchronous step, so nothing slips between. */
  private admit(order: Order, now: number): Order {
    const outcome = this.options.store.atomically(() => this.admitOrRefuse(order, now));
    if (outcome instanceof ApiError) throw outcome;
    return outcome;
  }

  /** `admit`'s work inside the caller's transaction: a refusal is written and answered, not thrown (a throw would roll it back). */
  private admitOrRefuse(order: Order, now: number): Order | ApiError {
    const request: OrderRequest = order;
    const offset = this.options.utcOffsetMinutes;
    const state = offset === undefined ? this.options.states.forCheck() : { ...this.options.states.forCheck(), minuteOfDay: (((Math.floor(now / 60_000) + offset) % 1440) + 1440) % 1440 };
    const result = preTradeCheck(request, this.options.book, this.options.limits(), state, this.rates, now);
    if (!result.ok) {
      const rejected = this.options.store.transition(order.id, 'rejected', now, { rejection: { rule: result.rule, message: result.message } });
      this.options.events?.order?.(rejected);
      return new ApiError('risk_rejected', result.message, {
        details: { rule: result.rule, ...(result.limit === undefined ? {} : { limit: result.limit }), ...(result.value === undefined ? {} : { value: result.value }), order: rejected },
      });
    }
    this.rates.record(request.algo, now);
    this.options.book.addInFlight({ id: order.id, algo: request.algo, instrument: request.instrument, side: request.side, remaining: request.quantity, price: limitPrice(request), stopLoss: request.stopLoss ?? null });
    this.options.store.markSent(order.id, now);
    this.lastUpdate = undefined;
    this.send(order);
    // What the broker answered at once (the paper broker's open and fills) is the order now.
    const answered = this.lastUpdate as Order | undefined;
    return answered?.id === order.id ? answered : order;
  }

  /** Cancels what is left of an order; cancels pass in every trading state. */
  cancel(id: string): Order {
    const order = this.options.store.get(id);
    if (!order) throw new ApiError('not_found', `No order ${id}.`, { field: 'id' });
    if (order.state === 'filled' || order.state === 'cancelled' || order.state === 'rejected') {
      throw new ApiError('conflict', `Order ${id} is ${order.state}: there is nothing left to cancel.`, { field: 'id' });
    }
    if (!this.broker?.cancel(id)) this.onBrokerUpdate({ id, kind: 'cancelled' });
    return this.options.store.get(id)!;
  }

  /** What the broker says of an order. */
  onBrokerUpdate(update: PaperUpdate): void {
    const now = this.now();
    const { store, book } = this.options;
    let order: Order;
    switch (update.kind) {
      case 'open': {
        const current = store.get(update.id);
        if (current?.state !== 'pending') return;
        order = store.transition(update.id, 'open', now, update.brokerOrderId === undefined ? {} : { brokerOrderId: update.brokerOrderId });
        break;
      }
      case 'fill':
        order = store.addFill(update.id, update.quantity, update.price, update.fees, now);
        book.fill(update.id, update.quantity, update.price);
        break;
      case 'rejected':
        order = store.transition(update.id, 'rejected', now, { rejection: { rule: null, message: update.message } });
        book.removeInFlight(update.id);
        break;
      case 'cancelled':
        order = store.transition(update.id, 'cancelled', now);
        book.removeInFlight(update.id);
        break;
    }
    this.lastUpdate = order;
    this.options.events?.order?.(order);
    if (update.kind === 'fill') this.evaluateStates();
  }

  /** A new price: positions are valued again, and the limits watched. */
  onPrice(instrument: string, price: number): void {
    this.options.book.mark(instrument, price);
    this.evaluateStates();
  }

  /**
   * After a restart: the book again from every stored fill, and the orders still in flight
   * sent to the broker again for what is left of them.
   */
  recover(): number {
    const { store, book } = this.options;
    const all = store.list({ limit: Number.MAX_SAFE_INTEGER }).reverse();
    const unfinished: Order[] = [];
    const unchecked: Order[] = [];
    for (const order of all) {
      const fills = store.fills(order.id);
      const done = order.state === 'filled' || order.state === 'cancelled' || order.state === 'rejected';
      if (done && fills.length === 0) continue;
      // Written but never handed to the broker (the hub stopped in between): it is checked now, not
      // trusted. One handed over may be at the broker already: it is reconciled below, never re-placed.
      if (order.state === 'pending' && fills.length === 0 && !store.wasSent(order.id)) {
        unchecked.push(order);
        continue;
      }
      book.addInFlight({ id: order.id, algo: order.algo, instrument: order.instrument, side: order.side, remaining: order.quantity, price: limitPrice(order), stopLoss: order.stopLoss ?? null });
      for (const fill of fills) book.fill(order.id, fill.quantity, fill.price);
      if (done) book.removeInFlight(order.id);
      else unfinished.push(order);
    }
    if (unfinished.length > 0) {
      if (!this.broker) throw new Error('no broker');
      this.broker.resume(unfinished.map((order) => ({ order: paperOrder(order), filledQuantity: order.filledQuantity, brokerOrderId: order.brokerOrderId })));
    }
    // A restarted market may not have priced an instrument yet: its orders wait for the first price.
    const until = this.now() + RECHECK_WAIT_MS;
    for (const order of unchecked) this.deferred.set(order.id, { order, until });
    this.recheckDeferred();
    return unfinished.length + unchecked.length;
  }

  /**
   * Checks the orders a restart found unchecked once their instrument has a price (or, past the
   * wait, as they are: refused for want of one). Called as prices come.
   */
  recheckDeferred(): void {
    if (this.deferred.size === 0) return;
    const now = this.now();
    for (const [id, { order, until }] of this.deferred) {
      if (this.options.book.markOf(order.instrument) === undefined && now < until) continue;
      this.deferred.delete(id);
      try {
        this.admit(order, now);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
  }

  private send(order: Order): void {
    if (!this.broker) throw new Error('no broker');
    this.broker.place(paperOrder(order));
  }

  /** Watches the limits (after fills, and as prices move): trading states change on a breach. */
  evaluateStates(): void {
    const changes = this.options.states.evaluate(this.options.book, this.options.limits(), this.now());
    if (changes.length > 0) this.options.events?.states?.(changes);
  }
}

function paperOrder(order: Order): PaperOrder {
  return { id: order.id, instrument: order.instrument, side: order.side, quantity: order.quantity, type: order.type, price: order.price, trigger: order.trigger, product: order.product, validity: order.validity };
}

function limitPrice(order: OrderRequest): number | null {
  return order.type === 'LIMIT' || order.type === 'SL' ? (order.price ?? null) : null;
}

/** Ids are the time and a counter that starts at random: unique across restarts without a random draw per order. */
let idCounter = randomBytes(4).readUInt32BE(0);

function newOrderId(): string {
  idCounter = (idCounter + 1) >>> 0;
  return `o-${Date.now().toString(36)}-${idCounter.toString(16).padStart(8, '0')}`;
}
