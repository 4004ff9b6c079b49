/**
 * The Kite order broker's decisions on reading Kite's order book, as pure functions: the book's
 * rows (malformed ones set aside), the value of fills already recorded (from an order's trades),
 * and what to do with an order the book does not have. Kite's book holds the day's orders only.
 */
import { z } from 'zod';
import { type KiteOrderUpdate, readKiteOrder } from './kite-order-update';

const IST_MS = 330 * 60_000;
const DAY_MS = 86_400_000;

/** The IST date of `ms`, as a day number: Kite's order book starts afresh each day. */
export function istDay(ms: number): number {
  return Math.floor((ms + IST_MS) / DAY_MS);
}

/** The orders of an answer to `GET /orders`, and what was wrong with those left out; throws if it is no list at all. */
export function readBook(answer: unknown): { rows: KiteOrderUpdate[]; problems: string[] } {
  if (!Array.isArray(answer)) throw new Error("Kite's order book is not a list");
  const rows: KiteOrderUpdate[] = [];
  const problems: string[] = [];
  for (const item of answer) {
    const read = readKiteOrder(item);
    if ('order' in read) rows.push(read.order);
    else problems.push(read.problem);
  }
  return { rows, problems };
}

const tradesSchema = z.array(z.object({ quantity: z.number().int().positive(), average_price: z.number().positive() }));

/** Σ quantity × price of the first `units` filled, from an answer to `GET /orders/:id/trades`; undefined when it cannot tell. */
export function valueOfFirst(trades: unknown, units: number): number | undefined {
  const parsed = tradesSchema.safeParse(trades);
  if (!parsed.success) return undefined;
  let left = units;
  let value = 0;
  for (const trade of parsed.data) {
    const take = Math.min(left, trade.quantity);
    value += take * trade.average_price;
    left -= take;
  }
  return left === 0 ? value : undefined;
}

export interface MissingOrder {
  /** `unsure`: its placement got no clear answer; `known`: Kite gave it an id; `unseen`: Kite never answered for it. */
  standing: 'unsure' | 'known' | 'unseen';
  quantity: number;
  /** Filled and recorded before a restart. */
  recorded: number;
  cancelWanted: boolean;
  /** When it was created, and (if unsure) since when. */
  createdAt: number;
  unsureSince: number;
}

export type MissingDecision =
  | { action: 'wait' }
  /** Kite gave it an id today, yet its book lacks it: something is wrong; keep looking. */
  | { action: 'wait-missing' }
  | { action: 'cancelled'; why: string }
  | { action: 'rejected'; message: string }
  /** Kite never saw it: place what is left (after `offset`, already filled). */
  | { action: 'place'; offset: number }
  | { action: 'done' };

export function whenNotInBook(order: MissingOrder, now: number, unsureForMs: number): MissingDecision {
  const earlierDay = istDay(order.createdAt) < istDay(now);
  if (order.standing === 'unsure') {
    if (now - order.unsureSince < unsureForMs) return { action: 'wait' };
    if (order.cancelWanted) return { action: 'cancelled', why: 'cancelled before Kite could be reached' };
    return { action: 'rejected', message: 'Kite could not be reached when the order was sent, and its order book does not have it: it was not placed.' };
  }
  // Kite gave it an id: it is never placed again. An earlier day's order ended with its day.
  if (order.standing === 'known') return earlierDay ? { action: 'cancelled', why: "an earlier day's order ended with its day" } : { action: 'wait-missing' };
  if (order.cancelWanted) return { action: 'cancelled', why: 'cancelled before it was placed' };
  if (earlierDay) return { action: 'rejected', message: 'The order is from an earlier trading day and Kite never had it: it is not placed now.' };
  const offset = Math.min(order.recorded, order.quantity);
  return offset >= order.quantity ? { action: 'done' } : { action: 'place', offset };
}
