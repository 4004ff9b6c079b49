/**
 * The paper broker on the simulated market: a market order fills against the book's depth
 * (walking the levels, the rest at the last level's price), a limit order fills when the market
 * crosses it (at once if it already does), a stop triggers when the last price reaches it (SL
 * then rests as a limit, SL-M fills as a market order). Optional fees per order and per value.
 * It knows nothing of risk or storage: the router gives it orders and takes its updates.
 */
import type { OrderSide, OrderType, Product, Validity } from '../../shared/order';
import type { Tick } from '../../shared/tick';

export interface PaperOrder {
  id: string;
  instrument: string;
  side: OrderSide;
  quantity: number;
  type: OrderType;
  price?: number | undefined;
  trigger?: number | undefined;
  product?: Product | undefined;
  validity?: Validity | undefined;
}

export type PaperUpdate =
  | { id: string; kind: 'open'; brokerOrderId?: string }
  | { id: string; kind: 'fill'; quantity: number; price: number; fees: number; remaining: number }
  | { id: string; kind: 'rejected'; message: string }
  | { id: string; kind: 'cancelled' };

export interface PaperBrokerOptions {
  /** The latest tick of an instrument (with depth in full mode). */
  quote(instrument: string): Tick | undefined;
  onUpdate(update: PaperUpdate): void;
  fees?: { perOrder?: number; fraction?: number };
}

interface Resting {
  order: PaperOrder;
  remaining: number;
  triggered: boolean;
  feeCharged: boolean;
}

export class PaperBroker {
  private readonly resting = new Map<string, Resting>();
  private readonly byInstrument = new Map<string, Set<string>>();

  constructor(private readonly options: PaperBrokerOptions) {}

  /** Takes an order: fills what it can now, and keeps the rest until the market reaches it. */
  place(order: PaperOrder): void {
    const quote = this.options.quote(order.instrument);
    if (!quote) return this.options.onUpdate({ id: order.id, kind: 'rejected', message: `No market in ${order.instrument}: the ticker does not carry it.` });
    this.rest(order);
    const entry = this.resting.get(order.id)!;
    this.work(entry, quote);
    // Immediate or cancel: what did not fill now does not rest.
    if (order.validity === 'IOC' && this.resting.has(order.id)) {
      this.forget(entry);
      this.options.onUpdate({ id: order.id, kind: 'cancelled' });
    }
  }

  private rest(order: PaperOrder): void {
    const entry: Resting = { order, remaining: order.quantity, triggered: order.type === 'MARKET' || order.type === 'LIMIT', feeCharged: false };
    this.options.onUpdate({ id: order.id, kind: 'open' });
    this.resting.set(order.id, entry);
    let set = this.byInstrument.get(order.instrument);
    if (!set) this.byInstrument.set(order.instrument, (set = new Set()));
    set.add(order.id);
  }

  /** Cancels what is left of a resting order; false when there is nothing to cancel. */
  cancel(id: string): boolean {
    const entry = this.resting.get(id);
    if (!entry) return false;
    this.forget(entry);
    this.options.onUpdate({ id, kind: 'cancelled' });
    return true;
  }

  /**
   * After a restart the simulated book is new: what was left of each order is placed again. The
   * market may not have ticked yet after the restart: then the order rests, and the first tick
   * works it (it was accepted before; no price yet is no reason to refuse it now).
   */
  resume(orders: ReadonlyArray<{ order: PaperOrder; filledQuantity: number }>): void {
    for (const { order, filledQuantity } of orders) {
      if (this.resting.has(order.id) || filledQuantity >= order.quantity) continue;
      const left = { ...order, quantity: order.quantity - filledQuantity };
      if (this.options.quote(order.instrument)) this.place(left);
      else this.rest(left);
    }
  }

  /** Whether orders of `instrument` rest, waiting for the market (its ticks are then wanted). */
  wants(instrument: string): boolean {
    return (this.byInstrument.get(instrument)?.size ?? 0) > 0;
  }

  /** Orders still resting. */
  get open(): number {
    return this.resting.size;
  }

  /** A new tick: resting orders of its instrument fill or trigger if the market reached them. */
  onTick(tick: Tick): void {
    const ids = this.byInstrument.get(tick.instrument);
    if (!ids || ids.size === 0) return;
    for (const id of [...ids]) {
      const entry = this.resting.get(id);
      if (entry) this.work(entry, tick);
    }
  }

  private work(entry: Resting, quote: Tick): void {
    const { order } = entry;
    const buy = order.side === 'BUY';
    if (!entry.triggered) {
      const trigger = order.trigger ?? order.price ?? Number.NaN;
      if (!(buy ? quote.lastPrice >= trigger : quote.lastPrice <= trigger)) return;
      entry.triggered = true;
    }
    const limit = order.type === 'LIMIT' || order.type === 'SL' ? order.price : undefined;
    const levels = (buy ? quote.depth?.sell : quote.depth?.buy)?.filter((level) => level.quantity > 0 && level.price > 0) ?? [];
    // Without depth (an index, LTP mode) the last price is the market.
    const book = levels.length > 0 ? levels : [{ price: quote.lastPrice, quantity: Number.POSITIVE_INFINITY, orders: 1 }];
    for (const level of book) {
      if (entry.remaining === 0) break;
      if (limit !== undefined && (buy ? level.price > limit : level.price < limit)) break;
      this.fillPart(entry, Math.min(entry.remaining, level.quantity), level.price);
    }
    // A market order takes what the shown depth lacks at its last level's price.
    if (entry.remaining > 0 && limit === undefined) this.fillPart(entry, entry.remaining, book[book.length - 1]!.price);
    if (entry.remaining === 0) this.forget(entry);
  }

  private fillPart(entry: Resting, quantity: number, price: number): void {
    if (quantity <= 0) return;
    entry.remaining -= quantity;
    const fraction = this.options.fees?.fraction ?? 0;
    let fees = quantity * price * fraction;
    if (!entry.feeCharged) {
      fees += this.options.fees?.perOrder ?? 0;
      entry.feeCharged = true;
    }
    this.options.onUpdate({ id: entry.order.id, kind: 'fill', quantity, price, fees: Math.round(fees * 100) / 100, remaining: entry.remaining });
  }

  private forget(entry: Resting): void {
    this.resting.delete(entry.order.id);
    this.byInstrument.get(entry.order.instrument)?.delete(entry.order.id);
  }
}
