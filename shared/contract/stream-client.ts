/**
 * A typed client of the stream, for the dashboard, the SDK and tests: subscribes to topics,
 * decodes ticks (JSON or binary), and when the connection drops reconnects with backoff and
 * subscribes again to everything it had, then says so (`reconnected`). Works over any
 * WebSocket with the browser's interface (the browser's own, or `ws` in Node).
 */
import { Backoff } from '../backoff';
import { ApiError } from '../errors';
import type { Tick, TickMode } from '../tick';
import { decodeTickFrame } from '../tick-frame';
import type { SelectionInputOf, ServerMessage, SubscribedOf, TopicName, Topics, UnsubscribedOf } from './stream';
import { BEARER_PROTOCOL_PREFIX, DEFAULT_TOPIC, STREAM_PATH, STREAM_PROTOCOL, type StreamFormat } from './stream-names';
import { errorOfReply } from './client';

/** The part of the browser's WebSocket this client uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamClientOptions {
  /** The agent's base URL (`http://127.0.0.1:7420`); `ws:`/`wss:` is derived from it. */
  url: string;
  /** The agent's token; a browser signed in with a session cookie has none (the cookie rides along). */
  token?: string;
  format?: StreamFormat;
  connect: WebSocketFactory;
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
  /** Jitter source, uniform in [0, 1). */
  random?: () => number;
  /** How long a request waits for its reply on an open connection. */
  requestTimeoutMs?: number;
}

export interface StreamListeners {
  ticks: (ticks: Tick[]) => void;
  lagged: (conflated: number, message: string) => void;
  state: (state: StreamState, detail?: string) => void;
  /** The connection came back and every subscription was made again. */
  reconnected: () => void;
  /** Every JSON message, as received. */
  message: (message: ServerMessage) => void;
}

interface Request {
  id: string;
  body: Record<string, unknown>;
  /** Runs as the agent's success reply is read, before anything that awaits it. */
  done?: () => void;
  resolve: (reply: ServerMessage) => void;
  reject: (error: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
  /** A replayed subscription: made again by the next connection's own replay, not resent. */
  replay?: true;
}

const CHUNK = 10_000;

export class StreamClient {
  private socket: WebSocketLike | null = null;
  private state: StreamState = 'connecting';
  private readonly backoff: Backoff;
  private readonly listeners: { [K in keyof StreamListeners]: Array<StreamListeners[K]> } = {
    ticks: [],
    lagged: [],
    state: [],
    reconnected: [],
    message: [],
  };
  /**
   * What to subscribe to again after a reconnect, updated as the agent acknowledges. Per
   * instrument: the mode it was carried in (`carry: true`; the richest asked), or null.
   */
  private readonly desired = { all: false, instruments: new Map<string, TickMode | null>(), other: new Map<string, Record<string, unknown>>() };
  private readonly names = new Map<number, string>();
  private readonly queued: Request[] = [];
  private readonly inFlight = new Map<string, Request>();
  private nextId = 1;
  private connectedOnce = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: StreamClientOptions) {
    this.backoff = new Backoff({ ...(options.reconnect ?? { initialDelayMs: 250, maxDelayMs: 10_000 }), ...(options.random ? { random: options.random } : {}) });
    this.open();
  }

  on<K extends keyof StreamListeners>(event: K, listener: StreamListeners[K]): () => void {
    const list = this.listeners[event] as Array<StreamListeners[K]>;
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  get connectionState(): StreamState {
    return this.state;
  }

  /** Subscribes (now, or once connected); resolves with the agent's reply, rejects with its error. */
  /**
   * What is made again after a reconnect changes as the agent accepts each request, in the order
   * they were made: a refused one changes nothing.
   */
  async subscribe<T extends TopicName>(topic: T, selection: SelectionInputOf<Topics[T]>): Promise<SubscribedOf<Topics[T]>> {
    const done = () => this.remember(topic, selection as Record<string, unknown>, true);
    return (await this.request({ type: 'subscribe', topic, ...selection }, done)) as unknown as SubscribedOf<Topics[T]>;
  }

  async unsubscribe<T extends TopicName>(topic: T, selection: SelectionInputOf<Topics[T]>): Promise<UnsubscribedOf<Topics[T]>> {
    const done = () => this.remember(topic, selection as Record<string, unknown>, false);
    return (await this.request({ type: 'unsubscribe', topic, ...selection }, done)) as unknown as UnsubscribedOf<Topics[T]>;
  }

  async ping(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  close(): void {
    this.setState('closed');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const request of [...this.queued.splice(0), ...this.inFlight.values()]) {
      if (request.timer) clearTimeout(request.timer);
      request.reject(new ApiError('unavailable', 'The stream client was closed.'));
    }
    this.inFlight.clear();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      // A socket still closing may deliver what it had read: nobody is listening any more.
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(1000);
    }
  }

  private request(body: Record<string, unknown>, done?: () => void): Promise<ServerMessage> {
    if (this.state === 'closed') return Promise.reject(new ApiError('unavailable', 'The stream client was closed.'));
    return new Promise((resolve, reject) => {
      const request: Request = { id: `c${this.nextId++}`, body, resolve, reject, ...(done ? { done } : {}) };
      if (this.state === 'open') this.send(request);
      else this.queued.push(request);
    });
  }

  private send(request: Request): void {
    const socket = this.socket;
    if (!socket) {
      this.queued.push(request); // the connection just went: the next one sends it
      return;
    }
    socket.send(JSON.stringify({ ...request.body, id: request.id }));
    this.inFlight.set(request.id, request);
    request.timer = setTimeout(() => {
      this.inFlight.delete(request.id);
      request.reject(new ApiError('unavailable', `No reply from the agent within ${this.options.requestTimeoutMs ?? 10_000} ms.`));
    }, this.options.requestTimeoutMs ?? 10_000);
  }

  private remember(topic: string, selection: Record<string, unknown>, add: boolean): void {
    if (topic === DEFAULT_TOPIC) {
      if (selection.all === true) this.desired.all = add;
      const ids = Array.isArray(selection.instruments) ? (selection.instruments as string[]) : [];
      if (!add && selection.all === true) this.desired.instruments.clear();
      const carried = selection.carry === true ? ((selection.mode as TickMode | undefined) ?? 'quote') : null;
      for (const id of ids) {
        if (add) this.desired.instruments.set(id, richer(this.desired.instruments.get(id) ?? null, carried));
        else this.desired.instruments.delete(id);
      }
      return;
    }
    const key = `${topic}\u0000${JSON.stringify(selection)}`;
    if (add) this.desired.other.set(key, { topic, ...selection });
    else this.desired.other.delete(key);
  }

  /** The subscribe messages that rebuild what this client had. */
  private replay(): Array<Record<string, unknown>> {
    const messages: Array<Record<string, unknown>> = [];
    if (this.desired.all) messages.push({ type: 'subscribe', topic: DEFAULT_TOPIC, all: true });
    const byMode = new Map<TickMode | null, string[]>();
    for (const [id, mode] of this.desired.instruments) {
      const ids = byMode.get(mode);
      if (ids) ids.push(id);
      else byMode.set(mode, [id]);
    }
    for (const [mode, ids] of byMode) {
      const carry = mode === null ? {} : { carry: true, mode };
      for (let i = 0; i < ids.length; i += CHUNK) messages.push({ type: 'subscribe', topic: DEFAULT_TOPIC, instruments: ids.slice(i, i + CHUNK), ...carry });
    }
    for (const selection of this.desired.other.values()) messages.push({ type: 'subscribe', ...selection });
    return messages;
  }

  private open(): void {
    const base = this.options.url.replace(/^http/, 'ws').replace(/\/+$/, '');
    const url = `${base}${STREAM_PATH}${this.options.format === 'binary' ? '?format=binary' : ''}`;
    let socket: WebSocketLike;
    try {
      const protocols = this.options.token === undefined ? [STREAM_PROTOCOL] : [STREAM_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${this.options.token}`];
      socket = this.options.connect(url, protocols);
    } catch (error) {
      this.retry(`cannot connect: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.retry(`connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`);
    };
    socket.onerror = () => undefined; // close follows
  }

  private onMessage(data: unknown): void {
    if (this.state === 'closed') return;
    if (typeof data !== 'string') {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
      if (bytes) this.emit('ticks', decodeTickFrame(bytes, (token) => this.names.get(token) ?? `TOKEN:${token}`));
      return;
    }
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return; // not ours to crash on: the agent only sends JSON text
    }
    if (typeof message !== 'object' || message === null) return;
    this.emit('message', message);
    if (message.type === 'welcome') return void this.onWelcome();
    if (message.type === 'ticks') return this.emit('ticks', message.ticks);
    if (message.type === 'lagged') return this.emit('lagged', message.conflated, message.message);
    if (message.type === 'subscribed' && message.topic === 'ticks') {
      for (const [id, token] of Object.entries(message.tokens ?? {})) this.names.set(token, id);
    }
    const id = 'id' in message ? message.id : undefined;
    const request = id === undefined ? undefined : this.inFlight.get(id);
    if (!request) return;
    this.inFlight.delete(request.id);
    if (request.timer) clearTimeout(request.timer);
    if (message.type === 'error') return request.reject(errorOfReply(0, message));
    request.done?.();
    request.resolve(message);
  }

  /** A new connection: subscribe again to what we had, then send what waited. */
  private async onWelcome(): Promise<void> {
    const socket = this.socket;
    const reconnected = this.connectedOnce;
    this.connectedOnce = true;
    this.setState('open');
    const replies = this.replay().map((body) => this.replayOne(body));
    for (const request of this.queued.splice(0)) this.send(request);
    const results = await Promise.allSettled(replies);
    if (socket !== this.socket) return;
    this.backoff.reset();
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.emit('state', 'open', `${failed} subscriptions could not be made again`);
    if (reconnected) this.emit('reconnected');
  }

  /**
   * Makes one subscription again. Instruments the agent no longer lists (an expired contract, a
   * changed universe) are dropped from what this client makes again, and the rest is retried.
   */
  private async replayOne(body: Record<string, unknown>, again = true): Promise<ServerMessage> {
    try {
      return await new Promise<ServerMessage>((resolve, reject) => this.send({ id: `c${this.nextId++}`, body, resolve, reject, replay: true }));
    } catch (error) {
      const unknown = error instanceof ApiError && error.code === 'unknown_instrument' ? (error.details as { unknown?: unknown } | undefined)?.unknown : undefined;
      if (!again || !Array.isArray(unknown) || !Array.isArray(body.instruments)) throw error;
      for (const id of unknown) this.desired.instruments.delete(String(id));
      const rest = (body.instruments as string[]).filter((id) => this.desired.instruments.has(id));
      if (rest.length === 0) throw error;
      return this.replayOne({ ...body, instruments: rest }, false);
    }
  }

  private retry(why: string): void {
    if (this.state === 'closed') return;
    // Requests on the lost connection go again on the next one.
    for (const request of this.inFlight.values()) {
      if (request.timer) clearTimeout(request.timer);
      if (request.replay) request.reject(new ApiError('unavailable', 'The connection was lost.'));
      else this.queued.push(request);
    }
    this.inFlight.clear();
    const delay = this.backoff.next();
    this.setState('reconnecting', `${why}; retrying in ${Math.round(delay)} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state !== 'closed') this.open();
    }, delay);
  }

  private setState(state: StreamState, detail?: string): void {
    this.state = state;
    this.emit('state', state, detail);
  }

  private emit<K extends keyof StreamListeners>(event: K, ...args: Parameters<StreamListeners[K]>): void {
    for (const listener of [...this.listeners[event]]) (listener as (...a: unknown[]) => void)(...args);
  }
}

const MODE_RANK: Record<TickMode, number> = { ltp: 0, quote: 1, full: 2 };

/** The richer of two carried modes (null: not carried). */
function richer(a: TickMode | null, b: TickMode | null): TickMode | null {
  if (a === null) return b;
  return b !== null && MODE_RANK[b] > MODE_RANK[a] ? b : a;
}
