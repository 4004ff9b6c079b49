/**
 * Orders as the risk manager and the brokers see them: what an algo asks for, and the order as
 * it goes through its lifecycle (pending → open → partially filled → filled / cancelled /
 * rejected).
 */

export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

export const ORDER_TYPES = ['MARKET', 'LIMIT', 'SL', 'SL-M'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const PRODUCTS = ['MIS', 'CNC', 'NRML'] as const;
export type Product = (typeof PRODUCTS)[number];

/** DAY: rests until filled, cancelled or the day ends; IOC: what does not fill at once is cancelled. */
export const VALIDITIES = ['DAY', 'IOC'] as const;
export type Validity = (typeof VALIDITIES)[number];

export const ORDER_STATES = ['pending', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** What an algo (or the order ticket) asks for. */
export interface OrderRequest {
  algo: string;
  instrument: string;
  side: OrderSide;
  quantity: number;
  type: OrderType;
  /** The limit price (LIMIT, SL). */
  price?: number;
  /** The trigger price (SL, SL-M). */
  trigger?: number;
  /** Where the algo's stop is, for money at risk (not an order the broker sees). */
  stopLoss?: number;
  product?: Product;
  /** DAY (the default) or IOC. */
  validity?: Validity;
  /** Makes a resent order the same order: never placed twice. */
  clientOrderId?: string;
  /**
   * An exit the kill switch sends to square off: it passes HALTED, but only if it reduces the
   * position (the same check as REDUCING). Never taken from a client.
   */
  exit?: boolean;
}

/** +1 for a buy, −1 for a sell: the sign of the position change. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'BUY' ? 1 : -1;
}

/** An order as the hub keeps it, from the moment it is written (before any broker sees it). */
export interface Order extends OrderRequest {
  id: string;
  state: OrderState;
  filledQuantity: number;
  /** Of the fills so far. */
  averagePrice: number | null;
  fees: number;
  brokerOrderId: string | null;
  /** Why it was refused: the risk rule (or null for the broker's refusal) and a sentence. */
  rejection: { rule: string | null; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface Fill {
  orderId: string;
  at: string;
  quantity: number;
  price: number;
  fees: number;
}

/** States an order never leaves. */
export const FINAL_ORDER_STATES: readonly OrderState[] = ['filled', 'cancelled', 'rejected'];

/** Whether an order may go from `from` to `to` (its lifecycle only moves forward). */
export function orderMayMove(from: OrderState, to: OrderState): boolean {
  if (FINAL_ORDER_STATES.includes(from)) return false;
  if (from === to) return from === 'partially_filled';
  if (to === 'pending') return false;
  if (from === 'partially_filled') return to !== 'open' && to !== 'rejected';
  return true;
}
