/**
 * Kite's view of one order, from either source (a postback on the ticker's websocket, or a row of
 * `GET /orders`), checked once where it enters and reduced to what the order router needs; and
 * the updates it means for the router, derived by comparing it with what was already reported.
 * Comparing (not counting messages) is what makes every update idempotent: the same postback
 * twice, a postback and a poll saying the same, or an older state arriving late, add nothing.
 */
import { z } from 'zod';
import { ApiError } from '../../../shared/errors';
import { parseInstrumentId } from '../../../shared/instrument';
import type { Product } from '../../../shared/order';
import type { PaperOrder, PaperUpdate } from '../../orders/paper-broker';

/** An order as Kite reports it, in our words; the same shape crosses from a ticker worker to the agent. */
export const kiteOrderUpdateSchema = z.strictObject({
  orderId: z.string().regex(/^[A-Za-z0-9-]{1,40}$/),
  status: z.string().min(1).max(64),
  statusMessage: z.string().max(2000).nullable(),
  tag: z.string().max(64).nullable(),
  quantity: z.number().int().min(0).max(1e9),
  filledQuantity: z.number().int().min(0).max(1e9),
  averagePrice: z.number().min(0).max(1e12),
});
export type KiteOrderUpdate = z.infer<typeof kiteOrderUpdateSchema>;

/** Kite's own field names; unknown fields are dropped, missing optional ones read as null. */
const kiteOrderSchema = z
  .object({
    order_id: z.string().regex(/^[A-Za-z0-9-]{1,40}$/, 'an order id'),
    status: z.string().min(1).max(64),
    status_message: z.string().max(2000).nullish(),
    tag: z.string().max(64).nullish(),
    quantity: z.number().int().min(0).max(1e9),
    filled_quantity: z.number().int().min(0).max(1e9),
    average_price: z.number().min(0).max(1e12),
  })
  .refine((order) => order.filled_quantity <= order.quantity, { message: 'more filled than ordered', path: ['filled_quantity'] });

/** Reads one order from Kite's untrusted data: the order, or what is wrong with it. */
export function readKiteOrder(value: unknown): { order: KiteOrderUpdate } | { problem: string } {
  const parsed = kiteOrderSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `${issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'unexpected shape'}` };
  }
  const row = parsed.data;
  return {
    order: {
      orderId: row.order_id,
      status: row.status,
      statusMessage: row.status_message ?? null,
      tag: row.tag ?? null,
      quantity: row.quantity,
      filledQuantity: row.filled_quantity,
      averagePrice: row.average_price,
    },
  };
}

/** Kite's statuses after which nothing changes. */
export const FINAL_KITE_STATUSES: ReadonlySet<string> = new Set(['COMPLETE', 'CANCELLED', 'REJECTED']);
/** Statuses before Kite's RMS and the exchange have accepted the order: an order id is not an acceptance. */
const NOT_YET_OPEN: ReadonlySet<string> = new Set(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'AMO REQ RECEIVED']);

/**
 * Kite accepts letters and digits only in a tag (at most 20): our order id (`o-<base36 ms>-<8
 * hex>`) without its dashes, which still names one order (the parts have fixed alphabets).
 */
export function kiteTag(orderId: string): string {
  const tag = orderId.replace(/-/g, '');
  if (!/^[A-Za-z0-9]{1,20}$/.test(tag)) throw new Error(`order id ${orderId} does not make a Kite tag`);
  return tag;
}

/**
 * Kite's placement fields for our order: `quantity` (what is left to place), its validity (DAY unless IOC), our
 * tag, the product given or `product`, and for MARKET and SL-M orders the market protection.
 */
export function placeParams(order: PaperOrder, given: { tag: string; quantity: number; product: Product; marketProtection: number }): Record<string, string | number> {
  const instrument = parseInstrumentId(order.instrument);
  if (!instrument) throw new ApiError('invalid_request', `${order.instrument} is not an instrument id (EXCHANGE:TRADINGSYMBOL).`, { field: 'instrument' });
  const params: Record<string, string | number> = {
    exchange: instrument.exchange,
    tradingsymbol: instrument.tradingsymbol,
    transaction_type: order.side,
    quantity: given.quantity,
    order_type: order.type,
    product: order.product ?? given.product,
    validity: order.validity ?? 'DAY',
    tag: given.tag,
  };
  if ((order.type === 'LIMIT' || order.type === 'SL') && order.price !== undefined) params.price = order.price;
  if ((order.type === 'SL' || order.type === 'SL-M') && order.trigger !== undefined) params.trigger_price = order.trigger;
  if (order.type === 'MARKET' || order.type === 'SL-M') params.market_protection = given.marketProtection;
  return params;
}

/** When our order was created: its id carries the time (order-router.ts); undefined for another shape. */
export function orderCreatedAt(orderId: string): number | undefined {
  const match = /^o-([0-9a-z]{1,11})-[0-9a-f]{8}$/.exec(orderId);
  const ms = match ? parseInt(match[1]!, 36) : Number.NaN;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** What was reported to the router of one Kite order. */
export interface ReportedProgress {
  open: boolean;
  /** Of the Kite order (not counting an earlier Kite order's part, `offset`). */
  filled: number;
  /** Σ quantity × price of what was reported filled of the Kite order. */
  value: number;
  final: boolean;
}

export interface TrackedOrder {
  id: string;
  /** Our order's quantity. */
  quantity: number;
  /** Filled before this Kite order: the part of an order placed again for its remainder after a restart. */
  offset: number;
}

/**
 * The router's updates that `kite` means beyond `reported`, and the progress after them: `open`
 * once Kite has accepted the order, a `fill` of only the quantity beyond what was reported (its
 * price from the change in Kite's average), then `cancelled` or `rejected` once it is final.
 */
export function deriveUpdates(order: TrackedOrder, reported: ReportedProgress, kite: KiteOrderUpdate): { updates: PaperUpdate[]; progress: ReportedProgress } {
  if (reported.final) return { updates: [], progress: reported };
  const updates: PaperUpdate[] = [];
  const progress = { ...reported };
  if (!progress.open && kite.status !== 'REJECTED' && !NOT_YET_OPEN.has(kite.status)) {
    updates.push({ id: order.id, kind: 'open', brokerOrderId: kite.orderId });
    progress.open = true;
  }
  const filled = Math.min(kite.filledQuantity, order.quantity - order.offset);
  if (filled > progress.filled) {
    const quantity = filled - progress.filled;
    const value = kite.averagePrice * filled;
    const derived = Math.round(((value - progress.value) / quantity) * 10_000) / 10_000;
    // Averages that do not add up (rounded by the broker, or inconsistent) fall back to the average itself.
    const price = Number.isFinite(derived) && derived > 0 ? derived : kite.averagePrice;
    updates.push({ id: order.id, kind: 'fill', quantity, price, fees: 0, remaining: order.quantity - order.offset - filled });
    progress.filled = filled;
    progress.value = value;
  }
  if (FINAL_KITE_STATUSES.has(kite.status)) {
    progress.final = true;
    const anyFilled = order.offset + progress.filled > 0;
    if (kite.status === 'REJECTED' && !anyFilled) {
      updates.push({ id: order.id, kind: 'rejected', message: `Kite rejected the order: ${kite.statusMessage ?? 'no reason given'}` });
    } else if (order.offset + progress.filled < order.quantity) {
      // Cancelled, or ended with less than all filled: what is left will not fill.
      updates.push({ id: order.id, kind: 'cancelled' });
    }
  }
  return { updates, progress };
}
