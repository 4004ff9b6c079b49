/**
 * The WebSocket adapter of the stream `/api/v1/stream`: authenticates the upgrade (bearer
 * header or, for browsers, a `bearer.<token>` subprotocol offered with `algodeck.v1`), then
 * moves JSON and binary frames between the socket and the transport-free StreamCore.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../../shared/contract/scopes';
import { STREAM_FORMATS, STREAM_PATH, STREAM_PROTOCOL, type StreamFormat, type TopicTable } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import { type RateLimitedLog, rateLimited } from '../log/rate-limited-log';
import type { StreamCore, StreamPeer, StreamSession } from '../stream/stream-core';
import { type Authenticator, bearerToken, protocolToken } from './auth';
import { type BrowserSessions, cookieOf, SESSION_COOKIE } from './browser-sessions';
import type { SiteGuard } from './site-guard';

export interface StreamServerOptions<T extends TopicTable> {
  core: StreamCore<T>;
  auth: Authenticator;
  log: Logger;
  keepAliveMs?: number;
  /** Replies waiting to be written past which a client that does not read is cut off. */
  maxBufferedBytes?: number;
  /** Browser sessions (a cookie) and the guard that keeps other sites out of them. */
  browser?: { sessions: BrowserSessions; guard: SiteGuard };
}

/**
 * Past this a client is cut off for not reading. Well above the tick hub's largest high-water
 * mark (16 MiB), so that a fast consumer that stalls for a moment is conflated, not cut off, if
 * it sends a message meanwhile.
 */
const MAX_BUFFERED_BYTES = 48 * 1024 * 1024;

function refuse(socket: Duplex, status: number, reason: string, extra = ''): void {
  // Closed once written: a client that never closes its side must not hold the socket open.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`, () => socket.destroy());
}

export class StreamServer<T extends TopicTable> {
  private readonly wss: WebSocketServer;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();
  private readonly maxBuffered: number;
  /** What a hostile or broken client makes us say is said once a while, not once a message. */
  private readonly warn: RateLimitedLog;

  constructor(private readonly options: StreamServerOptions<T>) {
    this.maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.warn = rateLimited(options.log);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 1024 * 1024,
      handleProtocols: (protocols) => (protocols.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
    });
    this.keepAlive = setInterval(() => this.sweep(), options.keepAliveMs ?? 30_000);
    this.keepAlive.unref();
  }

  /** Wire to the HTTP server's `upgrade` event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      this.upgrade(request, socket, head);
    } catch (error) {
      // Whatever a client sends, an upgrade never takes the agent down.
      this.warn('warn', 'malformed-upgrade', { err: error }, 'refused a malformed stream upgrade');
      refuse(socket, 400, 'Bad Request');
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const [path = '', query = ''] = (request.url ?? '').split('?', 2);
    if (path !== STREAM_PATH) return refuse(socket, 404, 'Not Found');
    const token = bearerToken(request.headers.authorization) ?? protocolToken(request.headers['sec-websocket-protocol']);
    let principal = this.options.auth.resolve(token);
    const browser = this.options.browser;
    if (!principal && token === undefined && browser) {
      // A session cookie opens the stream only from this agent's own pages, under its own name.
      const cookie = cookieOf(request.headers.cookie, SESSION_COOKIE);
      if (cookie !== undefined) {
        if (!browser.guard.allowsHost(request.headers.host) || !browser.guard.allowsOrigin(request.headers.origin)) return refuse(socket, 403, 'Forbidden');
        principal = browser.sessions.resolve(cookie);
      }
    }
    if (!principal) return refuse(socket, 401, 'Unauthorized', 'WWW-Authenticate: Bearer realm="algodeck"\r\n');
    const format = new URLSearchParams(query).get('format') ?? 'json';
    if (!(STREAM_FORMATS as readonly string[]).includes(format)) return refuse(socket, 400, 'Bad Request');
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, format as StreamFormat, principal));
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.warn.flush();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket, format: StreamFormat, principal: Principal): void {
    let cutOff = false;
    const peer: StreamPeer = {
      format,
      // Ticks are conflated for a slow reader, but replies are not: a client that keeps asking
      // without reading is cut off before it can grow the agent's memory.
      reply: (message) => {
        if (cutOff) return;
        if (ws.bufferedAmount > this.maxBuffered) {
          cutOff = true;
          // Once per client: `ws` still delivers the messages it had read before the cut.
          this.warn('warn', 'not-reading', { bufferedBytes: ws.bufferedAmount }, 'closing a stream client that sends requests but does not read the replies');
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify(message));
      },
      // ws calls back once the socket has written the data (or failed to): the buffer is free.
      send: (data, written) => ws.send(data, written && (() => written())),
      bufferedAmount: () => ws.bufferedAmount,
    };
    const session = this.options.core.open(peer, principal);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('error', (error) => this.options.log.debug({ err: error }, 'stream client error'));
    ws.on('close', () => session.close());
    ws.on('message', (data, isBinary) => {
      if (!cutOff) this.onMessage(session, data, isBinary);
    });
  }

  private onMessage(session: StreamSession<T>, data: RawData, isBinary: boolean): void {
    if (isBinary) return session.refuse(new ApiError('invalid_request', 'Send JSON text messages; binary messages are not accepted.'));
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return session.refuse(new ApiError('invalid_json', 'The message is not valid JSON.'));
    }
    session.receive(raw);
  }

  /** Drops connections that stopped answering pings (a vanished laptop, a dead NAT entry). */
  private sweep(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}
