/**
 * One agent as the dashboard reaches it: the typed REST client and the one stream (WebSocket)
 * every page shares. In a browser the session cookie rides along (no token is ever held by the
 * page); Node tests and the desktop shell may pass a token instead.
 */
import { API_PREFIX } from '../../../shared/contract/api';
import { type ApiClient, createApiClient, errorOfReply, type FetchLike, routedPath } from '../../../shared/contract/client';
import type { TaskInfo } from '../../../shared/task';
import { StreamClient, type WebSocketFactory, type WebSocketLike } from '../../../shared/contract/stream-client';
import { adoptEarlyStream, takeEarlyResponse } from './early';

export interface AgentConnection {
  /** The agent's base URL (`http://127.0.0.1:7420`). */
  readonly url: string;
  readonly api: ApiClient;
  readonly stream: StreamClient;
  /** The client of another agent of this agent's fleet (by id), through it. */
  at(agent: string): ApiClient;
  /** Submits an algo (a script or a bundle) to agent `agent` of the fleet: the registered task. */
  upload(agent: string, spec: Record<string, unknown>, file: Blob, filename: string): Promise<TaskInfo>;
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
  const fetchImpl = options.fetch ?? browserFetch;
  const routed = new Map<string, ApiClient>();
  return {
    url,
    api,
    stream,
    at(agent) {
      let client = routed.get(agent);
      if (!client) routed.set(agent, (client = createApiClient(url, options.token, fetchImpl, agent)));
      return client;
    },
    async upload(agent, spec, file, filename) {
      const form = new FormData();
      form.append('spec', JSON.stringify(spec));
      form.append('file', file, filename);
      // A form's body is not the typed client's JSON: sent with the same credentials by hand.
      const response = await fetch(url + routedPath(`${API_PREFIX}/tasks/upload`, agent), {
        method: 'POST',
        body: form,
        credentials: 'same-origin',
        ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
      });
      const json = (await response.json()) as unknown;
      if (response.status >= 400) throw errorOfReply(response.status, json);
      return json as TaskInfo;
    },
    close: () => stream.close(),
  };
}
