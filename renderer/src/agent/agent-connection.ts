/**
 * One agent as the dashboard reaches it: the typed REST client and the one stream (WebSocket)
 * every page shares. In a browser the session cookie rides along (no token is ever held by the
 * page); Node tests and the desktop shell may pass a token instead.
 */
import { type ApiClient, createApiClient, type FetchLike } from '../../../shared/contract/client';
import { StreamClient, type WebSocketFactory, type WebSocketLike } from '../../../shared/contract/stream-client';
import { adoptEarlyStream, takeEarlyResponse } from './early';

export interface AgentConnection {
  /** The agent's base URL (`http://127.0.0.1:7420`). */
  readonly url: string;
  readonly api: ApiClient;
  readonly stream: StreamClient;
  close(): void;
}

export interface ConnectOptions {
  url: string;
  token?: string;
  fetch?: FetchLike;
  connect?: WebSocketFactory;
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
}

/**
 * The browser's fetch, sending the session cookie to the agent's own origin; a request the boot
 * script already made is taken over instead of made again.
 */
export const browserFetch: FetchLike = (url, init) =>
  takeEarlyResponse(window.algodeckEarly, url, init, performance.now()) ?? fetch(url, { ...init, credentials: 'same-origin', cache: 'no-store' });
// The browser's WebSocket types its handlers more narrowly than the client's structural interface.
export const browserWebSocket: WebSocketFactory = (url, protocols) =>
  adoptEarlyStream(window.algodeckEarly, url, protocols) ?? (new WebSocket(url, protocols) as unknown as WebSocketLike);

export function connectAgent(options: ConnectOptions): AgentConnection {
  const url = options.url.replace(/\/+$/, '');
  const api = createApiClient(url, options.token, options.fetch ?? browserFetch);
  const stream = new StreamClient({
    url,
    ...(options.token === undefined ? {} : { token: options.token }),
    format: 'json',
    connect: options.connect ?? browserWebSocket,
    reconnect: options.reconnect ?? { initialDelayMs: 250, maxDelayMs: 5_000 },
  });
  return { url, api, stream, close: () => stream.close() };
}
