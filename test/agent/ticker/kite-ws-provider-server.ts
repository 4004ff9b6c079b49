/**
 * A small Kite-like ticker server for the provider's tests: a real `ws` server on loopback that
 * records every upgrade attempt and every client message, and can refuse upgrades with an HTTP
 * status the way Kite does (403 bad token, 429 too many connections).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KiteOrderUpdate } from '../../../agent/broker/kite/kite-order-update';
import type { ProviderListener, ProviderState } from '../../../agent/ticker/provider';

export interface Attempt {
  at: number;
  url: URL;
  headers: IncomingHttpHeaders;
}

export interface Connection {
  ws: WebSocket;
  url: URL;
  headers: IncomingHttpHeaders;
  /** Client messages, parsed. */
  messages: unknown[];
}

export interface ServerOptions {
  /** Refuse every upgrade with this HTTP status, or those the function gives a status for. */
  rejectWith?: number | ((url: URL) => number | undefined);
  /** Send the refusal this much later (a slow broker, while the client's credentials change). */
  rejectAfterMs?: number;
  /** Never answer upgrades (a broker that hangs mid-handshake). */
  stall?: boolean;
  /** Called for each accepted connection (e.g. to drop it at once). */
  onConnection?: (connection: Connection, index: number) => void;
}

export class KiteTestServer {
  readonly attempts: Attempt[] = [];
  readonly connections: Connection[] = [];
  private readonly stalled: Duplex[] = [];

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(options: ServerOptions = {}): Promise<KiteTestServer> {
    const http = createServer((_req, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const server = new KiteTestServer(http, wss, `ws://127.0.0.1:${port}/`);
    http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', server.url);
      server.attempts.push({ at: performance.now(), url, headers: req.headers });
      if (options.stall) {
        server.stalled.push(socket);
        return;
      }
      const status = typeof options.rejectWith === 'function' ? options.rejectWith(url) : options.rejectWith;
      if (status) {
        const refuse = () => socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        if (options.rejectAfterMs) setTimeout(refuse, options.rejectAfterMs);
        else refuse();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const connection: Connection = { ws, url, headers: req.headers, messages: [] };
        ws.on('message', (data) => connection.messages.push(JSON.parse(String(data))));
        server.connections.push(connection);
        options.onConnection?.(connection, server.connections.length - 1);
      });
    });
    return server;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.stalled) socket.destroy();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

export { sleep, waitFor } from '../../helpers/wait';

/** A listener that records everything, and can run a hook on each state change. */
export class Recorder implements ProviderListener {
  readonly frames: Array<{ bytes: Uint8Array; receivedAt: number }> = [];
  readonly states: Array<{ state: ProviderState; detail: string | undefined }> = [];
  readonly notices: Array<{ level: 'error' | 'message'; text: string }> = [];
  readonly orders: KiteOrderUpdate[] = [];
  onState: ((state: ProviderState, detail?: string) => void) | undefined;

  frame(bytes: Uint8Array, receivedAt: number): void {
    this.frames.push({ bytes, receivedAt });
  }

  state(state: ProviderState, detail?: string): void {
    this.states.push({ state, detail });
    this.onState?.(state, detail);
  }

  notice(level: 'error' | 'message', text: string): void {
    this.notices.push({ level, text });
  }

  order(update: KiteOrderUpdate): void {
    this.orders.push(update);
  }

  count(state: ProviderState): number {
    return this.states.filter((entry) => entry.state === state).length;
  }
}
