/**
 * The order router's broker on Kite: orders are placed and cancelled through the official client
 * (`KiteApi`, call class `orders`), tagged with our order id, and followed through Kite's order
 * updates: postbacks on the ticker's websocket first, and `GET /orders` as a slow poll while any
 * order is in flight, so a lost postback never leaves an order stuck. Every update to the router
 * is derived by comparing Kite's state with what was already reported (kite-order-update.ts).
 * Nothing is placed twice: an answer that never came (a network failure, a timeout, a 5xx) is
 * not taken for "not placed": the order is looked for by its tag in Kite's order book first, and
 * only declared not placed once Kite answers without it for `unsureForMs`. After a restart the
 * orders in flight are found in Kite's book (by Kite's id, else by tag) and only what filled
 * beyond what was recorded is reported; an order Kite never saw is placed then.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { ApiError } from '../../../shared/errors';
import type { Product } from '../../../shared/order';
import { type RateLimitedLog, rateLimited } from '../../log/rate-limited-log';
import type { OrderBroker, ResumedOrder } from '../../orders/order-router';
import type { PaperOrder, PaperUpdate } from '../../orders/paper-broker';
import type { KiteApi } from './kite-api';
import { CoalescedRunner } from './coalesced-runner';
import { readBook, valueOfFirst, whenNotInBook } from './kite-order-reconcile';
import { deriveUpdates, FINAL_KITE_STATUSES, type KiteOrderUpdate, kiteTag, orderCreatedAt, placeParams, type ReportedProgress } from './kite-order-update';

export interface KiteOrderBrokerOptions {
  /** The session's REST client; throws an ApiError when there is none (no credentials yet). */
  api: () => KiteApi;
  onUpdate(update: PaperUpdate): void;
  log: Logger;
  /** Kite's order updates from the ticker's websocket; answers a function that stops listening. */
  postbacks?: (listener: (update: KiteOrderUpdate) => void) => () => void;
  /** MARKET and SL-M orders' protection, a percentage of the last price or -1 for Kite's automatic (default 2). */
  marketProtection?: number;
  /** For orders that name none (default MIS: intraday, squared off by Kite before the close). */
  product?: Product;
  /** How often Kite's order book is read while orders are in flight (default 5 s). */
  pollMs?: number;
  /** How long an order whose placement got no clear answer is looked for before it is declared not placed (default 30 s). */
  unsureForMs?: number;
  now?: () => number;
}

export const DEFAULT_MARKET_PROTECTION = 2;
const DEFAULT_POLL_MS = 5000;
const DEFAULT_UNSURE_MS = 30_000;
/** A reconcile asked for sooner (a login, an order to look for) waits this little, so several make one. */
const SOON_MS = 50;
/** A cancel Kite refused (the order still being processed) is tried again after this. */
const CANCEL_RETRY_MS = 1000;
/** Refusals after which Kite surely has no order: its own (input, margin…), a 429 after retries, no session. */
const NOT_PLACED = new Set(['broker_rejected', 'broker_rate_limited', 'broker_login_required', 'broker_not_configured']);

/**
 * An order followed. `phase`: `checking` (Kite may have it, sent before a restart: look in its
 * book before placing), `placing` (on its way), `unsure` (no clear answer, since `since`: look for
 * it), `live` (Kite's id is known). `recorded`: filled and recorded before a restart; `offset`:
 * filled before this Kite order (one placed again for its remainder); `cancelAgainAt`: when a
 * cancel Kite has not acted on is sent again.
 */
interface Tracked {
  order: PaperOrder;
  tag: string;
  phase: 'checking' | 'placing' | 'unsure' | 'live';
  brokerOrderId: string | null;
  recorded: number;
  offset: number;
  progress: ReportedProgress;
  cancelWanted: boolean;
  cancelling: boolean;
  cancelAgainAt: number;
  since: number;
  /** Told once that Kite's book lacks it. */
  missingTold: boolean;
}

const placedSchema = z.object({ order_id: z.string().regex(/^[A-Za-z0-9-]{1,40}$/) });

export class KiteOrderBroker implements OrderBroker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly byBrokerId = new Map<string, Tracked>();
  private readonly byTag = new Map<string, Tracked>();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly pollMs: number;
  private readonly unsureForMs: number;
  private readonly marketProtection: number;
  private readonly logLimited: RateLimitedLog;
  private readonly stopListening: () => void;
  private readonly runner: CoalescedRunner;
  private stopped = false;

  constructor(private readonly options: KiteOrderBrokerOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.unsureForMs = options.unsureForMs ?? DEFAULT_UNSURE_MS;
    this.marketProtection = options.marketProtection ?? DEFAULT_MARKET_PROTECTION;
    if (!(this.marketProtection === -1 || (this.marketProtection > 0 && this.marketProtection <= 100))) {
      throw new RangeError(`marketProtection must be above 0 and at most 100 (a percentage), or -1 for automatic; got ${this.marketProtection}`);
    }
    this.logLimited = rateLimited(options.log, { everyMs: 60_000 });
    // While orders are in flight, Kite's book is read every `pollMs`: a lost postback is found there.
    this.runner = new CoalescedRunner(
      async () => {
        await this.reconcile();
        return this.tracked.size > 0 ? this.pollMs : null;
      },
      (error) => this.options.log.error({ err: error }, "reading Kite's order book failed unexpectedly"),
      this.now,
    );
    this.stopListening = options.postbacks?.((update) => this.onPostback(update)) ?? (() => {});
  }

  place(order: PaperOrder): void {
    const tracked = this.track(order, 0, null);
    if (!tracked) return;
    // An order from before this start may have reached Kite already (the router sends it again).
    const created = orderCreatedAt(order.id);
    if (created === undefined || created < this.startedAt) {
      tracked.phase = 'checking';
      this.runner.within(SOON_MS);
    } else {
      this.send(tracked);
    }
  }

  cancel(id: string): boolean {
    const tracked = this.tracked.get(id);
    if (!tracked) return false;
    tracked.cancelWanted = true;
    if (tracked.phase === 'live') this.sendCancel(tracked);
    return true;
  }

  resume(orders: ResumedOrder[]): void {
    for (const { order, filledQuantity, brokerOrderId } of orders) {
      if (this.tracked.has(order.id)) continue;
      const tracked = this.track(order, filledQuantity, brokerOrderId);
      if (tracked) tracked.phase = 'checking';
    }
    this.runner.within(SOON_MS);
  }

  /** Kite may answer now (a new login): orders waiting on it are looked at again. */
  nudge(): void {
    if (this.tracked.size > 0) this.runner.within(SOON_MS);
  }

  stop(): void {
    this.stopped = true;
    this.stopListening();
    this.runner.stop();
    this.logLimited.flush();
  }

  /** Follows an order from now on; one whose id makes no Kite tag cannot be followed, and is refused. */
  private track(order: PaperOrder, recorded: number, brokerOrderId: string | null): Tracked | undefined {
    let tag: string;
    try {
      tag = kiteTag(order.id);
    } catch (error) {
      this.report([{ id: order.id, kind: 'rejected', message: `The order cannot be sent to Kite: ${(error as Error).message}.` }]);
      return undefined;
    }
    const tracked: Tracked = {
      order,
      tag,
      phase: 'placing',
      brokerOrderId,
      recorded,
      offset: 0,
      // The router has an order open that it knew Kite's id for, or had fills of.
      progress: { open: brokerOrderId !== null || recorded > 0, filled: 0, value: 0, final: false },
      cancelWanted: false,
      cancelling: false,
      cancelAgainAt: 0,
      since: 0,
      missingTold: false,
    };
    this.tracked.set(order.id, tracked);
    this.byTag.set(tracked.tag, tracked);
    if (brokerOrderId !== null) this.byBrokerId.set(brokerOrderId, tracked);
    return tracked;
  }

  /** Places the order (what is left of it, after `offset`). */
  private send(tracked: Tracked): void {
    tracked.phase = 'placing';
    const { order } = tracked;
    let api: KiteApi;
    let params: Record<string, string | number>;
    try {
      params = placeParams(order, { tag: tracked.tag, quantity: order.quantity - tracked.offset, product: this.options.product ?? 'MIS', marketProtection: this.marketProtection });
      api = this.options.api();
    } catch (error) {
      return this.refused(tracked, error);
    }
    // The client's typings lack market_protection; it sends every field it is given.
    api.call('orders', 'the order', (kite) => kite.placeOrder('regular', params as never)).then(
      (answer) => {
        const placed = placedSchema.safeParse(answer);
        if (placed.success) this.placed(tracked, placed.data.order_id);
        else this.unsure(tracked, 'Kite answered the placement without an order id');
      },
      (error: unknown) => {
        if (error instanceof ApiError && NOT_PLACED.has(error.code)) this.refused(tracked, error);
        else this.unsure(tracked, (error as Error).message);
      },
    ).catch((error: unknown) => this.options.log.error({ err: error, order: order.id }, 'handling the answer to a Kite order failed'));
  }

  private placed(tracked: Tracked, brokerOrderId: string): void {
    if (this.tracked.get(tracked.order.id) !== tracked || tracked.phase === 'live') return; // a postback was first
    this.adopt(tracked, brokerOrderId, tracked.order.quantity - tracked.offset, 0);
    this.runner.within(this.pollMs);
  }

  /** Kite refused the placement outright: the order was not placed. */
  private refused(tracked: Tracked, error: unknown): void {
    const message = error instanceof ApiError ? error.message : `The order could not be sent to Kite: ${(error as Error).message}`;
    this.finish(tracked, [{ id: tracked.order.id, kind: 'rejected', message }]);
  }

  /** No clear answer: Kite may or may not have the order. It is looked for by its tag. */
  private unsure(tracked: Tracked, why: string): void {
    if (this.tracked.get(tracked.order.id) !== tracked || tracked.phase !== 'placing') return;
    tracked.phase = 'unsure';
    tracked.since = this.now();
    this.options.log.warn({ order: tracked.order.id, why }, "Kite gave no clear answer to an order; looking for it in Kite's order book before deciding");
    this.runner.within(SOON_MS);
  }

  /** Kite's id is known: from here on its updates are followed. */
  private adopt(tracked: Tracked, brokerOrderId: string, kiteQuantity: number, value: number): void {
    tracked.brokerOrderId = brokerOrderId;
    tracked.offset = Math.max(0, tracked.order.quantity - kiteQuantity);
    tracked.phase = 'live';
    const base = Math.max(0, tracked.recorded - tracked.offset);
    tracked.progress = { open: tracked.progress.open, filled: base, value, final: false };
    this.byBrokerId.set(brokerOrderId, tracked);
    if (tracked.cancelWanted) this.sendCancel(tracked);
  }

  private onPostback(update: KiteOrderUpdate): void {
    const tracked = this.byBrokerId.get(update.orderId) ?? (update.tag === null ? undefined : this.byTag.get(update.tag));
    if (!tracked || this.stopped) return;
    if (tracked.brokerOrderId === null) {
      // Before the placement's answer, or after none came: the tag names it. A resumed order is the poll's.
      if (tracked.phase === 'checking' || Math.max(0, tracked.recorded - (tracked.order.quantity - update.quantity)) > 0) return this.runner.within(SOON_MS);
      this.adopt(tracked, update.orderId, update.quantity, 0);
    } else if (tracked.brokerOrderId !== update.orderId || tracked.phase !== 'live') {
      return;
    }
    this.apply(tracked, update);
  }

  /** Reports what Kite's state adds to what was reported. */
  private apply(tracked: Tracked, kite: KiteOrderUpdate): void {
    const { updates, progress } = deriveUpdates({ id: tracked.order.id, quantity: tracked.order.quantity, offset: tracked.offset }, tracked.progress, kite);
    tracked.progress = progress;
    if (progress.final) this.finish(tracked, updates);
    else this.report(updates);
  }

  private finish(tracked: Tracked, updates: PaperUpdate[]): void {
    this.tracked.delete(tracked.order.id);
    this.byTag.delete(tracked.tag);
    if (tracked.brokerOrderId !== null) this.byBrokerId.delete(tracked.brokerOrderId);
    this.report(updates);
  }

  private report(updates: PaperUpdate[]): void {
    // After a stop the router is going too: what Kite did meanwhile is found again at the next start.
    if (this.stopped) return;
    for (const update of updates) {
      try {
        this.options.onUpdate(update);
      } catch (error) {
        this.options.log.error({ err: error, order: update.id, kind: update.kind }, 'the order router failed on a Kite order update');
      }
    }
  }

  private sendCancel(tracked: Tracked): void {
    if (tracked.cancelling || tracked.brokerOrderId === null) return;
    tracked.cancelling = true;
    tracked.cancelAgainAt = this.now() + this.pollMs;
    const brokerOrderId = tracked.brokerOrderId;
    let api: KiteApi;
    try {
      api = this.options.api();
    } catch (error) {
      tracked.cancelling = false;
      return this.options.log.warn({ order: tracked.order.id, reason: (error as Error).message }, 'could not ask Kite to cancel an order; trying again with the next look at its order book');
    }
    // Kite's answer is no news: CANCELLED comes as an update, and a refusal (already complete) from the book.
    api
      .call('orders', 'the cancel', (kite) => kite.cancelOrder('regular', brokerOrderId))
      .catch((error: unknown) => {
        tracked.cancelAgainAt = this.now() + CANCEL_RETRY_MS;
        this.options.log.warn({ order: tracked.order.id, reason: (error as Error).message }, 'Kite did not take a cancel; it is asked again while the order is open');
      })
      .finally(() => {
        tracked.cancelling = false;
        this.runner.within(CANCEL_RETRY_MS);
      });
  }

  /** Reads Kite's order book and settles every order not on its way: found, placed, or given up. */
  private async reconcile(): Promise<void> {
    const waiting = [...this.tracked.values()].filter((t) => t.phase !== 'placing');
    if (waiting.length === 0) return;
    let book: KiteOrderUpdate[];
    try {
      book = this.readBook(await this.options.api().call('other', "Kite's order book", (kite) => kite.getOrders()));
    } catch (error) {
      this.logLimited('warn', 'book', { reason: (error as Error).message, orders: waiting.length }, "could not read Kite's order book; orders in flight wait for it");
      return;
    }
    const byId = new Map(book.map((row) => [row.orderId, row]));
    const byTag = new Map<string, KiteOrderUpdate>();
    for (const row of book) if (row.tag !== null && !byTag.has(row.tag)) byTag.set(row.tag, row);
    const now = this.now();
    for (const tracked of waiting) {
      if (this.tracked.get(tracked.order.id) !== tracked || tracked.phase === 'placing') continue; // settled meanwhile
      // Kite's id, once known, is the order: the tag only finds one whose id never came back.
      const row = tracked.brokerOrderId === null ? byTag.get(tracked.tag) : byId.get(tracked.brokerOrderId);
      if (row && tracked.phase !== 'live') {
        await this.adoptFound(tracked, row);
        if (this.tracked.get(tracked.order.id) !== tracked) continue;
      }
      if (row) {
        this.apply(tracked, row);
        const due = now >= tracked.cancelAgainAt;
        if (tracked.cancelWanted && !FINAL_KITE_STATUSES.has(row.status) && this.tracked.has(tracked.order.id) && due) this.sendCancel(tracked);
      } else {
        this.notInBook(tracked, now);
      }
    }
  }

  /** An order found in Kite's book after a restart or an unclear placement; fills already recorded are priced from its trades. */
  private async adoptFound(tracked: Tracked, row: KiteOrderUpdate): Promise<void> {
    const offset = Math.max(0, tracked.order.quantity - row.quantity);
    const base = Math.max(0, tracked.recorded - offset);
    if (base > row.filledQuantity) {
      this.options.log.warn({ order: tracked.order.id, recorded: tracked.recorded, kiteFilled: row.filledQuantity }, 'Kite shows less of an order filled than was recorded; only fills beyond the recorded ones are taken');
    }
    let value = row.averagePrice * Math.min(base, row.filledQuantity);
    if (base > 0 && row.filledQuantity > base) value = (await this.valueOfFirst(row.orderId, base)) ?? value;
    if (this.tracked.get(tracked.order.id) !== tracked || tracked.phase === 'live') return;
    this.adopt(tracked, row.orderId, row.quantity, value);
  }

  /** Σ quantity × price of the first `units` filled of a Kite order, from its trades. */
  private async valueOfFirst(brokerOrderId: string, units: number): Promise<number | undefined> {
    try {
      return valueOfFirst(await this.options.api().call('other', "the order's trades", (kite) => kite.getOrderTrades(brokerOrderId)), units);
    } catch (error) {
      this.options.log.warn({ order: brokerOrderId, reason: (error as Error).message }, "could not read an order's trades; the fills beyond those recorded are priced at Kite's average");
      return undefined;
    }
  }

  /** Kite's book (the day's orders) lacks the order. */
  private notInBook(tracked: Tracked, now: number): void {
    const { order } = tracked;
    const standing = tracked.phase === 'unsure' ? 'unsure' : tracked.brokerOrderId !== null || tracked.phase === 'live' ? 'known' : 'unseen';
    const decision = whenNotInBook(
      { standing, quantity: order.quantity, recorded: tracked.recorded, cancelWanted: tracked.cancelWanted, createdAt: orderCreatedAt(order.id) ?? now, unsureSince: tracked.since },
      now,
      this.unsureForMs,
    );
    switch (decision.action) {
      case 'wait':
        return;
      case 'wait-missing':
        if (!tracked.missingTold) this.options.log.error({ order: order.id, brokerOrderId: tracked.brokerOrderId }, "an order Kite gave an id to today is not in Kite's order book; still looking");
        tracked.missingTold = true;
        return;
      case 'cancelled':
        this.options.log.warn({ order: order.id, brokerOrderId: tracked.brokerOrderId, why: decision.why }, "an order is not in Kite's order book: cancelled");
        return this.finish(tracked, [{ id: order.id, kind: 'cancelled' }]);
      case 'rejected':
        return this.finish(tracked, [{ id: order.id, kind: 'rejected', message: decision.message }]);
      case 'done':
        return this.finish(tracked, []);
      case 'place':
        tracked.offset = decision.offset;
        return this.send(tracked);
    }
  }

  private readBook(answer: unknown): KiteOrderUpdate[] {
    const { rows, problems } = readBook(answer);
    for (const problem of problems) this.logLimited('warn', 'row', { problem }, "skipped a malformed order in Kite's order book");
    return rows;
  }
}
