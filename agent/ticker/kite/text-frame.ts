/**
 * Kite's text frames (`{"type":"error"|"message"|"order","data":…}`) read into a notice. The
 * broker's text is untrusted: anything unreadable becomes an error notice, never a throw.
 */

/** Broker text is quoted in notices up to this length. */
const MAX_QUOTED_CHARS = 500;

export interface TextNotice {
  level: 'error' | 'message';
  text: string;
}

export function quote(text: string): string {
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}…`;
}

export function readTextFrame(text: string): TextNotice {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { level: 'error', text: `unreadable text frame from broker: ${quote(text)}` };
  }
  const { type, data } = (parsed ?? {}) as { type?: unknown; data?: unknown };
  const body = quote(typeof data === 'string' ? data : JSON.stringify(data ?? null));
  if (type === 'error') return { level: 'error', text: body };
  if (type === 'message') return { level: 'message', text: body };
  // Order postbacks belong to the order router, which has its own feed; keep a trace only.
  if (type === 'order') return { level: 'message', text: `order update: ${body}` };
  return { level: 'error', text: `unknown text frame from broker: ${quote(text)}` };
}
