/**
 * A raw WebSocket client of /api/v1/stream that records every message it receives, for tests of
 * the wire protocol itself (bad messages, upgrades, replies by id). Tests that only need ticks
 * use the shared StreamClient, as the dashboard and the SDK do.
 */
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/contract/stream';
import type { Tick } from '../../shared/tick';
import { decodeTickFrame } from '../../shared/tick-frame';
import { sleep } from './wait';

export class RawStreamClient {
  readonly messages: ServerMessage[] = [];
  readonly ticks: Tick[] = [];
  readonly binaryFrames: Uint8Array[] = [];
  private names = new Map<number, string>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const bytes = new Uint8Array(data as Buffer);
        this.binaryFrames.push(bytes);
        this.ticks.push(...decodeTickFrame(bytes, (t) => this.names.get(t) ?? `TOKEN:${t}`));
        return;
      }
      const message = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(message);
      if (message.type === 'ticks') this.ticks.push(...message.ticks);
      if (message.type === 'subscribed' && message.topic === 'ticks') for (const [id, token] of Object.entries(message.tokens)) this.names.set(token, id);
    });
  }

  static open(agentUrl: string, options: { token?: string; format?: 'json' | 'binary'; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<RawStreamClient> {
    const url = `${agentUrl.replace(/^http/, 'ws')}/api/v1/stream${options.format ? `?format=${options.format}` : ''}`;
    const headers = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const ws = new WebSocket(url, options.protocols ?? [], { headers, perMessageDeflate: false });
    const client = new RawStreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for the first message (after `from`) that matches. */
  async next<T extends ServerMessage['type']>(type: T, from = 0, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find((m) => m.type === type);
      if (found) return found as Extract<ServerMessage, { type: T }>;
      if (Date.now() > deadline) throw new Error(`no "${type}" message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await sleep(10);
    }
  }

  /** Sends a request and waits for its reply (matched by id). */
  async request(message: Record<string, unknown>, timeoutMs = 5000): Promise<ServerMessage> {
    const id = `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...message, id });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => 'id' in m && m.id === id);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no reply to ${JSON.stringify(message)}`);
      await sleep(10);
    }
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
