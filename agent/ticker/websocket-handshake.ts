/**
 * The client's side of the WebSocket opening handshake (RFC 6455 §4.1), for `FeedSocket`: the
 * upgrade request to write, and the check of the server's answer. No socket here.
 */
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A longer answer head is not a WebSocket server's. */
export const MAX_ANSWER_HEAD_BYTES = 16 * 1024;
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface OpeningHandshake {
  /** The upgrade request, to be written as latin1. */
  readonly request: string;
  /** The `Sec-WebSocket-Accept` the server must answer with. */
  readonly expectedAccept: string;
}

/** The upgrade request for `target` with `headers` added; throws TypeError on a header that cannot be sent. */
export function openingHandshake(target: URL, headers: Record<string, string>): OpeningHandshake {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_TOKEN.test(name) || !HEADER_VALUE.test(value)) throw new TypeError(`invalid HTTP header ${JSON.stringify(name)}`);
  }
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return {
    request: `${lines.join('\r\n')}\r\n\r\n`,
    expectedAccept: createHash('sha1').update(key + GUID).digest('base64'),
  };
}

/**
 * Reads the server's answer head (without the blank line that ends it): its status, where 101
 * means a valid acceptance of what was asked; or why the answer cannot be accepted.
 */
export function readUpgradeAnswer(head: string, expectedAccept: string): { status: number } | { error: string } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3})(?: |$)/.exec(statusLine);
  if (!status) return { error: `not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}` };
  if (status[1] !== '101') return { status: Number(status[1]) };
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return { error: 'the upgrade response lacks "Upgrade: websocket"' };
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(headers.get('connection') ?? '')) return { error: 'the upgrade response lacks "Connection: Upgrade"' };
  if (headers.get('sec-websocket-accept') !== expectedAccept) return { error: 'the upgrade response has a wrong Sec-WebSocket-Accept' };
  if (headers.has('sec-websocket-extensions')) return { error: 'the server chose an extension that was not offered' };
  if (headers.has('sec-websocket-protocol')) return { error: 'the server chose a subprotocol that was not offered' };
  return { status: 101 };
}
