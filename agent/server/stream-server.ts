/**
 * The WebSocket stream `/api/v1/stream`: clients choose instruments and receive their ticks from
 * the hub, as JSON or as binary frames (`?format=binary`). Authenticated at the upgrade, by the
 * bearer header or, for browsers, a `bearer.<token>` subprotocol offered with `algodeck.v1`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  clientMessageSchema,
  STREAM_FORMATS,
  STREAM_PATH,
  STREAM_PROTOCOL,
  type ClientMessage,
  type ServerMessage,
  type StreamFormat,
} from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { ConsumerHandle, TickHub } from '../ticker/tick-hub';
import { bearerToken, protocolToken, type TokenVerifier } from './auth';
import { validationError } from './http-server';

export interface StreamServerOptions {
  hub: TickHub;
  registry: InstrumentRegistry;
  verifier: TokenVerifier;
  log: Logger;
  version: string;
  /** Whether the ticker carries an instrument (clients are told which of theirs it does not). */
  isTicking: (instrument: string) => boolean;
  keepAliveMs?: number;
}

const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

function refuse(socket: Duplex, status: number, reason: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

export class StreamServer {
  private readonly wss: WebSocketServer;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();

  constructor(private readonly options: StreamServerOptions) {
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
      this.options.log.warn({ err: error }, 'refused a malformed stream upgrade');
      refuse(socket, 400, 'Bad Request');
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const [path = '', query = ''] = (request.url ?? '').split('?', 2);
    if (path !== STREAM_PATH) return refuse(socket, 404, 'Not Found');
    const url = { searchParams: new URLSearchParams(query) };
    const token = bearerToken(request.headers.authorization) ?? protocolToken(request.headers['sec-websocket-protocol']);
    if (!this.options.verifier.verify(token)) {
      return refuse(socket, 401, 'Unauthorized', 'WWW-Authenticate: Bearer realm="algodeck"\r\n');
    }
    const format = url.searchParams.get('format') ?? 'json';
    if (!(STREAM_FORMATS as readonly string[]).includes(format)) return refuse(socket, 400, 'Bad Request');
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, format as StreamFormat));
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket, format: StreamFormat): void {
    const { hub } = this.options;
    const consumer = hub.addConsumer({
      format,
      // ws calls back once the socket has written the data (or failed to): the buffer is free.
      send: (data, written) => ws.send(data, written && (() => written())),
      bufferedAmount: () => ws.bufferedAmount,
    });
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('error', (error) => this.options.log.debug({ err: error }, 'stream client error'));
    ws.on('close', () => hub.removeConsumer(consumer));
    ws.on('message', (data, isBinary) => this.onMessage(ws, consumer, data, isBinary));
    this.reply(ws, { type: 'welcome', version: this.options.version, format });
  }

  private onMessage(ws: WebSocket, consumer: ConsumerHandle, data: RawData, isBinary: boolean): void {
    let id: string | undefined;
    try {
      if (isBinary) throw new ApiError('invalid_request', 'Send JSON text messages; binary messages are not accepted.');
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        throw new ApiError('invalid_json', 'The message is not valid JSON.');
      }
      if (typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string') {
        id = (raw as { id: string }).id.slice(0, 64);
      }
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success) throw validationError(parsed.error);
      this.handle(ws, consumer, parsed.data);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The agent failed to handle this message.');
      if (apiError.code === 'internal') this.options.log.error({ err: error }, 'stream message failed');
      this.reply(ws, { type: 'error', ...(id === undefined ? {} : { id }), ...apiError.toBody() });
    }
  }

  private handle(ws: WebSocket, consumer: ConsumerHandle, message: ClientMessage): void {
    const { hub, registry } = this.options;
    const idField = message.id === undefined ? {} : { id: message.id };
    if (message.type === 'ping') return this.reply(ws, { type: 'pong', ...idField });
    if (message.all) {
      if (message.type === 'subscribe') hub.subscribe(consumer, 'all');
      else hub.unsubscribe(consumer, 'all');
      const base = { ...idField, instruments: 'all' as const };
      if (message.type === 'unsubscribe') return this.reply(ws, { type: 'unsubscribed', ...base });
      // Every instrument may appear later, so a binary client gets every token it could meet.
      const tokens = Object.fromEntries(registry.search(undefined, registry.size).map((i) => [i.id, i.token]));
      return this.reply(ws, { type: 'subscribed', ...base, tokens, inactive: [] });
    }
    const ids = [...new Set(message.instruments!)];
    registry.requireKnown(ids);
    const tokens = ids.map((id) => registry.get(id)!.token);
    if (message.type === 'unsubscribe') {
      hub.unsubscribe(consumer, tokens);
      return this.reply(ws, { type: 'unsubscribed', ...idField, instruments: ids });
    }
    hub.subscribe(consumer, tokens);
    this.reply(ws, {
      type: 'subscribed',
      ...idField,
      instruments: ids,
      tokens: Object.fromEntries(ids.map((id, i) => [id, tokens[i]!])),
      inactive: ids.filter((id) => !this.options.isTicking(id)),
    });
  }

  private reply(ws: WebSocket, message: ServerMessage): void {
    // Ticks are conflated for a slow reader, but replies are not: a client that keeps asking
    // without reading is cut off before it can grow the agent's memory.
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.options.log.warn('closing a stream client that sends requests but does not read the replies');
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(message));
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
