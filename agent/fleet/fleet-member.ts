/**
 * A member's side of the fleet: it dials its hub (so it works behind NAT and in Docker), says who
 * it is, and then answers: the hub's calls run on this agent's API as the hub's caller, and the
 * hub's stream sessions are this agent's stream. A cut link is dialled again with backoff, for
 * ever; a hub that refuses the join token is retried at the slowest pace, and the log says why.
 */
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { Backoff } from '../../shared/backoff';
import type { Api } from '../../shared/contract/api';
import { HtmlPage, PreparedJson, WithCookies } from '../../shared/contract/method';
import type { Topics } from '../../shared/contract/stream';
import { isLoopbackHost } from '../../shared/agent-address';
import { ApiError } from '../../shared/errors';
import { FLEET_LINK_PATH, FLEET_LINK_PROTOCOL } from '../../shared/fleet';
import type { ApiCore } from '../api/api-core';
import type { StreamCore, StreamPeer, StreamSession } from '../stream/stream-core';
import type { SelfAgent } from './fleet-hub';
import { decodeLink, encodeLink, type HubMessage, hubMessageSchema, knownCode, LINK_CLOSE, type MemberAsk } from './link-protocol';

export interface FleetMemberOptions {
  /** The hub's address: `wss://hub.example.net:7420` (or `ws://` on loopback). */
  hubUrl: string;
  joinToken: string;
  self: SelfAgent;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  log: Logger;
  /** A CA certificate (PEM) to trust for the hub's TLS certificate, besides the system's. */
  ca?: string | Buffer;
  /** Where the secret the hub gives at the first join is kept (the agent's database). */
  secret: { load(): string | undefined; save(secret: string): void };
  backoff?: { initialDelayMs: number; maxDelayMs: number };
  /** How long without a ping or message from the hub before the link is taken for cut (default 20 s). */
  silenceMs?: number;
}

export type MemberState = 'connecting' | 'online' | 'offline';

/** How long an ask waits for the hub's answer. */
const ASK_TIMEOUT_MS = 30_000;

/** Stream sessions the hub may hold open on this member at once. */
const MAX_SESSIONS = 2000;

/** The link's URL from what a user typed; refuses plain `ws://` off loopback (tokens would cross in clear). */
export function linkUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ApiError('invalid_request', `--join: "${given}" is not a URL like wss://hub.example.net:7420`, { field: 'join' });
  }
  const scheme = { 'wss:': 'wss:', 'https:': 'wss:', 'ws:': 'ws:', 'http:': 'ws:' }[url.protocol];
  if (!scheme) throw new ApiError('invalid_request', `--join: use wss:// (or ws:// on loopback), not ${url.protocol}`, { field: 'join' });
  if (scheme === 'ws:' && !isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''))) {
    throw new ApiError('invalid_request', `--join: joining ${url.hostname} needs TLS (wss://): the join token and every command would cross the network in clear`, { field: 'join' });
  }
  url.protocol = scheme;
  url.pathname = FLEET_LINK_PATH;
  url.search = '';
  url.hash = '';
  return url.toString();
}

export class FleetMember {
  private ws: WebSocket | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly sessions = new Map<number, StreamSession<Topics>>();
  private readonly url: string;
  state: MemberState = 'connecting';
  hub: { id: string; name: string } | null = null;
  lastError: string | null = null;
  /** How many times the link was (re)established. */
  links = 0;
  private readonly silenceMs: number;
  private nextAsk = 1;
  private readonly asks = new Map<number, { resolve: (value: unknown) => void; reject: (error: ApiError) => void; timer: NodeJS.Timeout }>();
  private readonly eventListeners = new Set<(message: { type: string; [field: string]: unknown }) => void>();

  constructor(private readonly options: FleetMemberOptions) {
    this.url = linkUrl(options.hubUrl);
    this.silenceMs = options.silenceMs ?? 20_000;
    this.backoff = new Backoff(options.backoff ?? { initialDelayMs: 500, maxDelayMs: 30_000 });
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.closeSessions();
    this.ws?.close(1000, 'the member is stopping');
    this.state = 'offline';
  }

  /**
   * Asks the hub (its risk manager) for this agent's algos, or for one of them. Fails with
   * `hub_unreachable` when the link is down; when it goes down before the answer, the outcome is
   * unknown, and the error says so.
   */
  ask(method: MemberAsk, input: unknown, algo?: string, timeoutMs = ASK_TIMEOUT_MS): Promise<unknown> {
    const ws = this.ws;
    if (this.state !== 'online' || ws?.readyState !== WebSocket.OPEN) {
      return Promise.reject(new ApiError('hub_unreachable', `This agent is not connected to its hub${this.hub ? ` ${this.hub.name}` : ''} (${this.lastError ?? 'connecting'}): nothing was sent.`));
    }
    const id = this.nextAsk++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asks.delete(id);
        reject(new ApiError('outcome_unknown', `The hub did not answer within ${Math.round(timeoutMs / 1000)} s: whether it was done is unknown. An order sent again with the same clientOrderId is never placed twice.`));
      }, timeoutMs);
      this.asks.set(id, { resolve, reject, timer });
      ws.send(encodeLink({ t: 'ask', id, method, input, ...(algo === undefined ? {} : { algo }) }));
    });
  }

  /** Order and risk events of this agent's algos, as the hub sends them. */
  onEvent(listener: (message: { type: string; [field: string]: unknown }) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    const ws = new WebSocket(this.url, [FLEET_LINK_PROTOCOL], {
      headers: { authorization: `Bearer ${this.options.joinToken}` },
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      maxPayload: 32 * 1024 * 1024,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    this.ws = ws;
    let refused = false;
    ws.on('unexpected-response', (_request, response) => {
      refused = response.statusCode === 401;
      this.lastError = refused ? 'the hub refused the join token' : `the hub answered HTTP ${response.statusCode}`;
      ws.terminate();
    });
    ws.on('open', () => {
      const { id, name, labels, version } = this.options.self;
      const secret = this.options.secret.load();
      ws.send(encodeLink({ t: 'hello', id, name, labels, version, ...(secret === undefined ? {} : { secret }) }));
    });
    ws.on('message', (data) => this.onMessage(ws, String(data)));
    // The hub pings every few seconds: silence means a link cut without a word (a NAT entry
    // dropped, a cable pulled), which TCP alone would notice only after many minutes.
    let heard = Date.now();
    ws.on('ping', () => (heard = Date.now()));
    ws.on('message', () => (heard = Date.now()));
    const watchdog = setInterval(() => {
      if (Date.now() - heard > this.silenceMs) {
        this.lastError = `no word from the hub for ${Math.round(this.silenceMs / 1000)} s`;
        ws.terminate();
      }
    }, Math.min(5000, this.silenceMs / 2));
    watchdog.unref();
    ws.on('close', () => clearInterval(watchdog));
    ws.on('error', (error) => {
      // The hub's answer said more than the socket's end does.
      if (!refused) this.lastError = error.message;
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.closeSessions();
      const wasOnline = this.state === 'online';
      this.state = 'offline';
      if (reason.length > 0) this.lastError = reason.toString();
      if (code === LINK_CLOSE.conflict || code === LINK_CLOSE.refused) refused = true;
      if (wasOnline) this.options.log.warn({ hub: this.hub?.name, code, reason: this.lastError }, 'the link to the hub is down; dialling again');
      if (this.stopped) return;
      const delay = refused ? 30_000 : this.backoff.next();
      if (refused) this.options.log.error({ reason: this.lastError }, `the hub refused this agent: ${this.lastError}; trying again in 30 s`);
      this.retry = setTimeout(() => this.connect(), delay);
      this.retry.unref();
    });
  }

  private onMessage(ws: WebSocket, text: string): void {
    let message: HubMessage;
    try {
      message = hubMessageSchema.parse(decodeLink(text));
    } catch {
      this.options.log.warn('the hub sent a message the link does not allow; ignored');
      return;
    }
    switch (message.t) {
      case 'welcome':
        if (message.secret !== undefined) {
          this.options.secret.save(message.secret);
          ws.send(encodeLink({ t: 'saved' }));
        }
        this.hub = message.hub;
        this.state = 'online';
        this.lastError = null;
        this.links++;
        this.backoff.reset();
        this.options.log.info({ hub: message.hub.name }, 'joined the fleet');
        return;
      case 'call':
        return void this.call(ws, message);
      case 'open': {
        if (this.sessions.size >= MAX_SESSIONS || this.sessions.has(message.sid)) return;
        const peer: StreamPeer = {
          format: 'json',
          reply: (m) => ws.send(encodeLink({ t: 'msg', sid: message.sid, m })),
          // Prepared text is one JSON message; binary tick frames do not cross the link.
          send: (data, written) => {
            if (typeof data === 'string') ws.send(`{"t":"msg","sid":${message.sid},"m":${data}}`);
            written?.();
          },
          bufferedAmount: () => ws.bufferedAmount,
        };
        this.sessions.set(message.sid, this.options.stream.open(peer, message.principal));
        return;
      }
      case 'in':
        return this.sessions.get(message.sid)?.receive(message.m);
      case 'close':
        this.sessions.get(message.sid)?.close();
        this.sessions.delete(message.sid);
        return;
      case 'answer': {
        const ask = this.asks.get(message.id);
        if (!ask) return;
        this.asks.delete(message.id);
        clearTimeout(ask.timer);
        if (message.ok) return ask.resolve(message.value);
        const error = message.error ?? { code: 'internal', message: 'The hub refused without saying why.' };
        return ask.reject(new ApiError(knownCode(error.code), error.message, { ...(error.field === undefined ? {} : { field: error.field }), ...(error.details === undefined ? {} : { details: error.details }) }));
      }
      case 'event':
        for (const listener of this.eventListeners) listener(message.m);
        return;
    }
  }

  private async call(ws: WebSocket, message: Extract<HubMessage, { t: 'call' }>): Promise<void> {
    const { id, method, input, principal, who } = message;
    const answer = (body: Record<string, unknown>) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encodeLink({ t: 'result', id, ...body }));
    };
    try {
      if (!this.options.api.has(method)) throw new ApiError('not_found', `No method ${method} on this agent.`);
      const result = await this.options.api.call(method, input, principal, undefined, { via: who, address: this.hub ? `hub ${this.hub.name}` : null });
      if (result instanceof HtmlPage || result instanceof WithCookies) throw new ApiError('not_found', `${method} is not routed to other agents.`);
      if (result instanceof PreparedJson) return answer({ ok: true, json: new TextDecoder().decode((result as PreparedJson<unknown>).body) });
      answer({ ok: true, value: result });
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The agent failed to handle this request; see its log.');
      if (apiError.code === 'internal') this.options.log.error({ err: error, method }, 'a call from the hub failed');
      answer({ ok: false, error: apiError.toBody().error });
    }
  }

  private closeSessions(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    // Asks in flight have no answer coming: whether the hub did them is unknown.
    for (const ask of this.asks.values()) {
      clearTimeout(ask.timer);
      ask.reject(new ApiError('outcome_unknown', 'The link to the hub was cut before it answered: whether it was done is unknown. An order sent again with the same clientOrderId is never placed twice.'));
    }
    this.asks.clear();
  }
}
