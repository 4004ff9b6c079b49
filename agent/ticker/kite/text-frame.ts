/**
 * Kite's text frames (`{"type":"error"|"message"|"order","data":…}`) read into a notice, or an
 * order update for the order router. The broker's text is untrusted: anything unreadable,
 * including an order update that is not an order, becomes an error notice, never a throw.
 */
import { type KiteOrderUpdate, readKiteOrder } from '../../broker/kite/kite-order-update';

/** Broker text is quoted in notices up to this length. */
const MAX_QUOTED_CHARS = 500;

export interface TextNotice {
  kind: 'notice';
  level: 'error' | 'message';
  text: string;
}

export type TextFrame = TextNotice | { kind: 'order'; order: KiteOrderUpdate };

export function quote(text: string): string {
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}…`;
}

export function readTextFrame(text: string): TextFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'notice', level: 'error', text: `unreadable text frame from broker: ${quote(text)}` };
  }
  const { type, data } = (parsed ?? {}) as { type?: unknown; data?: unknown };
  const body = () => quote(typeof data === 'string' ? data : JSON.stringify(data ?? null));
  if (type === 'error') return { kind: 'notice', level: 'error', text: body() };
  if (type === 'message') return { kind: 'notice', level: 'message', text: body() };
  if (type === 'order') {
    const read = readKiteOrder(data);
    if ('order' in read) return { kind: 'order', order: read.order };
    return { kind: 'notice', level: 'error', text: `malformed order update from broker (${read.problem}): ${body()}` };
  }
  return { kind: 'notice', level: 'error', text: `unknown text frame from broker: ${quote(text)}` };
}
