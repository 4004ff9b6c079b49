/**
 * The emulator's order book: Kite's regular orders through their lifecycle, filled by the same
 * simulated market the ticker streams and the quotes serve.
 *
 * A placement answers its order id at once (`PUT ORDER REQ RECEIVED`); RMS runs after it
 * (`VALIDATION PENDING`) and either rejects it (`REJECTED`, with `status_message`: an unlisted
 * instrument or an index, over 1,00,000 shares, over Rs 10 crore of value, a price off the tick
 * grid or outside the day's band, not enough funds) or sends it on (`OPEN PENDING`, then `OPEN`,
 * or `TRIGGER PENDING` for SL and SL-M). Open orders meet the market at once and then whenever it
 * moves: a market order takes the depth within its protection band (and what the shown depth
 * lacks at its last level), a limit fills when crossed, a stop opens when the last price reaches
 * its trigger. Every change of an order is told to `onChange` as Kite's postback.
 */
import { createHash, randomInt } from 'node:crypto';
import { roundToTick } from '../../../shared/instrument';
import type { PacketFields } from '../../../shared/kite-packet';
import { istText } from '../../broker/kite/kite-time';
import type { InstrumentListing } from './instrument-listing';
import { KiteError } from './kite-http';
import { checkPrices, type PlaceForm, readModifyForm, readPlaceForm, readVariety } from './kite-order-form';
import { type EmulatedOrder, FINAL, orderRow } from './kite-order-rows';
import { type KiteTrade, marginRate, positionRows, segmentMargins, takeFromBook } from './kite-portfolio';
import type { Snapshot } from './kite-quotes';
import { createPacketFields } from './price-process';

export interface KiteOrderBookOptions {
  listing: InstrumentListing;
  /** An instrument's current market (stepping it if nobody streams it and it is stale). */
  snapshot: Snapshot;
  userId: string;
  /** Signs each postback's `checksum`, as Kite does. */
  apiSecret: string;
  /** Every change of an order, as Kite's postback: the order as `GET /orders` shows it, plus the postback's own fields. */
  onChange(postback: Record<string, unknown>): void;
  /** How long after its placement RMS looks at an order (default 10 ms). */
  rmsDelayMs?: number;
}

/** Kite's cap of orders per account a day; it also bounds the emulator's memory. */
const MAX_ORDERS = 5000;
const MAX_MODIFICATIONS = 25;
const MAX_QUANTITY = 100_000;
const MAX_VALUE = 100_000_000;
/** The day's band for a price: ±10 % of the previous close, as the quotes' circuit limits. */
const PRICE_BAND = 0.1;
/** What the emulator takes for automatic market protection (-1), in place of the exchange's figure. */
const AUTO_PROTECTION_PERCENT = 2;
const WORK_INTERVAL_MS = 100;
const WORKING = new Set(['OPEN', 'TRIGGER PENDING']);

const inr = (value: number) => value.toLocaleString('en-IN', { maximumFractionDigits: 2 });

export class KiteOrderBook {
  private readonly orders = new Map<string, EmulatedOrder>();
  private readonly working = new Set<EmulatedOrder>();
  private readonly trades: KiteTrade[] = [];
  private readonly market: PacketFields = createPacketFields();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly timer: NodeJS.Timeout;
  /** Kite's order ids: the IST date (yymmdd) and a sequence, from a random start so runs differ. */
  private readonly idPrefix: string;
  private sequence = randomInt(100_000_000);
  private tradeSequence = randomInt(10_000_000);

  constructor(private readonly options: KiteOrderBookOptions) {
    const today = istText(Date.now());
    this.idPrefix = today.slice(2, 4) + today.slice(5, 7) + today.slice(8, 10);
    this.timer = setInterval(() => this.workAll(), WORK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Orders placed in this run. */
  get count(): number {
    return this.orders.size;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** `POST /orders/:variety`. */
  place(variety: string, fields: URLSearchParams): { order_id: string } {
    readVariety(variety);
    const form = readPlaceForm(fields);
    if (this.orders.size >= MAX_ORDERS) throw new KiteError(429, 'NetworkException', `Too many requests: ${MAX_ORDERS} orders a day is the limit.`);
    const slot = this.options.listing.slotOfListedId(`${form.exchange}:${form.tradingsymbol}`);
    const now = Date.now();
    const order: EmulatedOrder = {
      ...form,
      id: `${this.idPrefix}${String(++this.sequence).padStart(9, '0')}`,
      exchangeOrderId: null,
      token: slot === undefined ? 0 : this.options.listing.instrument(slot).token,
      slot,
      status: 'PUT ORDER REQ RECEIVED',
      statusMessage: null,
      filled: 0,
      value: 0,
      cancelled: 0,
      triggered: form.orderType === 'MARKET' || form.orderType === 'LIMIT',
      protectedPrice: null,
      modifications: 0,
      createdAt: now,
      exchangeAt: null,
      updatedAt: now,
      seen: '',
      history: [],
    };
    this.orders.set(order.id, order);
    this.record(order);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.validate(order);
    }, this.options.rmsDelayMs ?? 10);
    this.timers.add(timer);
    return { order_id: order.id };
  }

  /** `PUT /orders/:variety/:order_id`: an open or trigger-pending order, at most 25 times. */
  modify(variety: string, id: string, fields: URLSearchParams): { order_id: string } {
    readVariety(variety);
    const order = this.find(id);
    this.changeable(order, 'modified');
    if (order.modifications >= MAX_MODIFICATIONS) {
      throw new KiteError(400, 'OrderException', `Maximum allowed order modifications exceeded: an order may be modified ${MAX_MODIFICATIONS} times.`);
    }
    const form = readModifyForm(fields);
    const type = form.orderType ?? order.orderType;
    // A value the new type still takes carries over unless given anew.
    const carried = (given: number | undefined, old: number, taken: boolean) => given ?? (taken && old !== 0 ? old : undefined);
    const prices = checkPrices(
      type,
      carried(form.price, order.price, type === 'LIMIT' || type === 'SL'),
      carried(form.triggerPrice, order.triggerPrice, type === 'SL' || type === 'SL-M'),
      carried(form.marketProtection, order.marketProtection, type === 'MARKET' || type === 'SL-M'),
    );
    const quantity = form.quantity ?? order.quantity;
    if (quantity <= order.filled) throw new KiteError(400, 'InputException', `Invalid \`quantity\`: ${order.filled} of the order are filled already.`);
    order.modifications++;
    this.move(order, 'MODIFY VALIDATION PENDING');
    this.move(order, 'MODIFY PENDING');
    order.triggered = type === 'MARKET' || type === 'LIMIT' || (order.triggered && type === order.orderType);
    Object.assign(order, prices, { orderType: type, quantity, validity: form.validity ?? order.validity, protectedPrice: null });
    this.move(order, order.triggered ? 'OPEN' : 'TRIGGER PENDING');
    this.work(order, true);
    return { order_id: order.id };
  }

  /** `DELETE /orders/:variety/:order_id`: what is left of an open or trigger-pending order. */
  cancel(variety: string, id: string): { order_id: string } {
    readVariety(variety);
    const order = this.find(id);
    this.changeable(order, 'cancelled');
    this.move(order, 'CANCEL PENDING');
    this.end(order, 'CANCELLED');
    return { order_id: order.id };
  }

  /** `GET /orders`: the day's orders, oldest first. */
  list(): Array<Record<string, unknown>> {
    return [...this.orders.values()].map((order) => orderRow(order, this.options.userId));
  }

  /** `GET /orders/:order_id`: the order once per status it went through. */
  history(id: string): Array<Record<string, unknown>> {
    return this.find(id).history;
  }

  /** `GET /orders/:order_id/trades`, or `GET /trades` without an id. */
  tradesOf(id?: string): KiteTrade[] {
    if (id === undefined) return [...this.trades];
    const order = this.find(id);
    return this.trades.filter((trade) => trade.order_id === order.id);
  }

  /** `GET /portfolio/positions`. */
  positions(): { net: Array<Record<string, unknown>>; day: Array<Record<string, unknown>> } {
    const rows = positionRows(this.trades, (exchange, tradingsymbol) => this.mark(exchange, tradingsymbol));
    return { net: rows, day: rows.map((row) => ({ ...row })) };
  }

  /** `GET /user/margins[/segment]`. */
  margins(segment?: string): Record<string, unknown> {
    const { blocked, realised, unrealised } = this.account();
    const all = { equity: segmentMargins(true, blocked, realised, unrealised), commodity: segmentMargins(false, 0, 0, 0) };
    if (segment === undefined) return all;
    if (segment !== 'equity' && segment !== 'commodity') throw new KiteError(400, 'InputException', 'Invalid segment: `equity` or `commodity`.');
    return all[segment];
  }

  private find(id: string): EmulatedOrder {
    const order = this.orders.get(id);
    if (!order) throw new KiteError(400, 'InputException', `Couldn't find an order with order_id ${JSON.stringify(id.slice(0, 40))}.`);
    return order;
  }

  private changeable(order: EmulatedOrder, what: string): void {
    if (FINAL.has(order.status)) throw new KiteError(400, 'OrderException', `Order ${order.id} cannot be ${what}: it is ${order.status}.`);
    if (!WORKING.has(order.status)) throw new KiteError(400, 'OrderException', `Order ${order.id} cannot be ${what} as it is being processed. Try later.`);
  }

  private validate(order: EmulatedOrder): void {
    this.move(order, 'VALIDATION PENDING');
    const problem = this.rms(order);
    if (problem !== null) return this.move(order, 'REJECTED', problem);
    this.move(order, 'OPEN PENDING');
    order.exchangeOrderId = `1100000${order.id.slice(-9)}`;
    order.exchangeAt = Date.now();
    this.working.add(order);
    this.move(order, order.triggered ? 'OPEN' : 'TRIGGER PENDING');
    this.work(order, true);
  }

  /** Kite's checks after the order id is given: a sentence when the order is refused. */
  private rms(order: EmulatedOrder): string | null {
    const id = `${order.exchange}:${order.tradingsymbol}`;
    if (order.slot === undefined) return `${id} is not a listed instrument: check the exchange and the trading symbol.`;
    const instrument = this.options.listing.instrument(order.slot);
    if (!instrument.tradable) return `${id} is an index: it cannot be traded.`;
    if (order.quantity > MAX_QUANTITY) return `Quantity ${inr(order.quantity)} is more than the ${inr(MAX_QUANTITY)} shares one order may be.`;
    const market = this.look(order.slot);
    const reference = order.price > 0 ? order.price : order.triggerPrice > 0 ? order.triggerPrice : market.lastPrice;
    const value = order.quantity * reference;
    if (value > MAX_VALUE) return `Order value ₹${inr(value)} is more than the ₹10 crore one order may be.`;
    const tick = instrument.tickSize;
    for (const [name, price] of [['price', order.price], ['trigger price', order.triggerPrice]] as const) {
      if (price === 0) continue;
      if (Math.abs(price / tick - Math.round(price / tick)) > 1e-6) return `The ${name} ${price} is not a multiple of the tick size ${tick}.`;
      if (market.close <= 0) continue;
      const lower = roundToTick(market.close * (1 - PRICE_BAND), tick);
      const upper = roundToTick(market.close * (1 + PRICE_BAND), tick);
      if (price < lower || price > upper) return `The ${name} ${price} is outside the day's price band, ${lower} to ${upper}.`;
    }
    const required = value * marginRate(order.product);
    const { blocked, realised, unrealised } = this.account();
    const available = Number(segmentMargins(true, blocked, realised, unrealised).net);
    if (required > available) return `Insufficient funds. Required margin is ${required.toFixed(2)} but available margin is ${available.toFixed(2)}.`;
    return null;
  }

  /** Matches an open order against the market, if the market moved since it last looked (or `force`). */
  private work(order: EmulatedOrder, force = false): void {
    if (!WORKING.has(order.status) || order.slot === undefined) return;
    const market = this.look(order.slot);
    const state = `${market.volume}|${market.exchangeTimestamp}|${market.lastPrice}`;
    if (state === order.seen && !force) return;
    order.seen = state;
    const buy = order.side === 'BUY';
    if (!order.triggered) {
      if (!(buy ? market.lastPrice >= order.triggerPrice : market.lastPrice <= order.triggerPrice)) return;
      order.triggered = true;
      this.move(order, 'OPEN');
    }
    const marketLike = order.orderType === 'MARKET' || order.orderType === 'SL-M';
    if (marketLike && order.protectedPrice === null) {
      const percent = order.marketProtection === -1 ? AUTO_PROTECTION_PERCENT : order.marketProtection;
      const tick = this.options.listing.instrument(order.slot).tickSize;
      order.protectedPrice = roundToTick(market.lastPrice * (buy ? 1 + percent / 100 : 1 - percent / 100), tick);
    }
    const takes = takeFromBook(order.side, order.quantity - order.filled, marketLike ? order.protectedPrice! : order.price, market, marketLike);
    for (const take of takes) this.fill(order, take.quantity, take.price);
    if (order.filled === order.quantity) return this.move(order, 'COMPLETE');
    if (order.validity === 'IOC') return this.end(order, 'CANCELLED');
    // A part filled: the status stays, the filled quantity is news.
    if (takes.length > 0) this.record(order);
  }

  private workAll(): void {
    for (const order of this.working) {
      try {
        this.work(order);
      } catch (error) {
        // One order's failure must not stop the others, nor the server.
        this.move(order, 'REJECTED', `The emulator failed on this order: ${(error as Error).message}`);
      }
    }
  }

  private fill(order: EmulatedOrder, quantity: number, price: number): void {
    const now = istText(Date.now());
    order.filled += quantity;
    order.value += quantity * price;
    this.trades.push({
      trade_id: String(++this.tradeSequence).padStart(8, '0'),
      order_id: order.id,
      exchange: order.exchange,
      tradingsymbol: order.tradingsymbol,
      instrument_token: order.token,
      product: order.product,
      average_price: price,
      quantity,
      exchange_order_id: order.exchangeOrderId,
      transaction_type: order.side,
      fill_timestamp: now,
      order_timestamp: istText(order.createdAt),
      exchange_timestamp: now,
    });
  }

  private end(order: EmulatedOrder, status: 'CANCELLED'): void {
    order.cancelled = order.quantity - order.filled;
    this.move(order, status);
  }

  private move(order: EmulatedOrder, status: string, message?: string): void {
    order.status = status;
    if (message !== undefined) order.statusMessage = message;
    order.updatedAt = Date.now();
    if (FINAL.has(status)) this.working.delete(order);
    this.record(order);
  }

  /** Keeps the order's new state in its history and tells it as a postback. */
  private record(order: EmulatedOrder): void {
    const row = orderRow(order, this.options.userId);
    order.history.push(row);
    const checksum = createHash('sha256').update(`${order.id}${String(row.order_timestamp)}${this.options.apiSecret}`).digest('hex');
    this.options.onChange({ ...row, user_id: this.options.userId, unfilled_quantity: row.pending_quantity, app_id: 0, checksum });
  }

  private look(slot: number): PacketFields {
    this.options.snapshot(slot, this.market);
    return this.market;
  }

  private mark(exchange: string, tradingsymbol: string): { last: number; close: number } {
    const slot = this.options.listing.slotOfListedId(`${exchange}:${tradingsymbol}`);
    if (slot === undefined) return { last: 0, close: 0 };
    const market = this.look(slot);
    return { last: market.lastPrice, close: market.close };
  }

  /** Margin blocked by positions and open orders, and the day's P&L. */
  private account(): { blocked: number; realised: number; unrealised: number } {
    let blocked = 0;
    let realised = 0;
    let unrealised = 0;
    for (const row of this.positions().net) {
      blocked += Math.abs(Number(row.quantity)) * Number(row.average_price) * marginRate(row.product as PlaceForm['product']);
      realised += Number(row.realised);
      unrealised += Number(row.unrealised);
    }
    for (const order of this.working) {
      const reference = order.price > 0 ? order.price : order.triggerPrice > 0 ? order.triggerPrice : (order.protectedPrice ?? 0);
      blocked += (order.quantity - order.filled) * reference * marginRate(order.product);
    }
    return { blocked, realised, unrealised };
  }
}
