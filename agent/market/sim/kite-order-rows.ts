/**
 * An emulated order as the emulator keeps it, and as Kite shows it (`GET /orders`, each entry of
 * an order's history, each postback): Kite's field names and shapes, times as IST text.
 */
import { istText } from '../../broker/kite/kite-time';
import type { PlaceForm } from './kite-order-form';

export const FINAL = new Set(['COMPLETE', 'CANCELLED', 'REJECTED']);

export interface EmulatedOrder extends PlaceForm {
  id: string;
  exchangeOrderId: string | null;
  token: number;
  slot: number | undefined;
  status: string;
  statusMessage: string | null;
  filled: number;
  /** Σ quantity × price of the fills. */
  value: number;
  cancelled: number;
  triggered: boolean;
  /** A market order's limit: its protection band around the last price when it first met the market. */
  protectedPrice: number | null;
  modifications: number;
  createdAt: number;
  exchangeAt: number | null;
  updatedAt: number;
  /** The market's state last matched against: the next match waits until the market moves. */
  seen: string;
  history: Array<Record<string, unknown>>;
}

/** The order as Kite shows it. */
export function orderRow(order: EmulatedOrder, userId: string): Record<string, unknown> {
  const final = FINAL.has(order.status);
  return {
    placed_by: userId,
    order_id: order.id,
    exchange_order_id: order.exchangeOrderId,
    parent_order_id: null,
    status: order.status,
    status_message: order.statusMessage,
    status_message_raw: order.statusMessage,
    order_timestamp: istText(order.createdAt),
    exchange_update_timestamp: order.exchangeAt === null ? null : istText(order.updatedAt),
    exchange_timestamp: order.exchangeAt === null ? null : istText(order.exchangeAt),
    variety: 'regular',
    modified: order.modifications > 0,
    exchange: order.exchange,
    tradingsymbol: order.tradingsymbol,
    instrument_token: order.token,
    order_type: order.orderType,
    transaction_type: order.side,
    validity: order.validity,
    validity_ttl: 0,
    product: order.product,
    quantity: order.quantity,
    disclosed_quantity: 0,
    price: order.price,
    trigger_price: order.triggerPrice,
    average_price: order.filled > 0 ? order.value / order.filled : 0,
    filled_quantity: order.filled,
    pending_quantity: final ? 0 : order.quantity - order.filled,
    cancelled_quantity: order.cancelled,
    market_protection: order.marketProtection,
    meta: {},
    tag: order.tag,
    tags: order.tag === null ? [] : [order.tag],
    guid: `emu${order.id}`,
  };
}
