/** A real `ws` client of the simulated ticker that checks and decodes every frame it receives. */
import WebSocket from 'ws';
import { decodePacket } from '../../../../shared/kite-packet';
import { NOT_A_KITE_FRAME, walkKiteFrame } from '../../../../shared/kite-frame';
import type { Tick } from '../../../../shared/tick';

export interface ReceivedPacket {
  tick: Tick;
  length: number;
  /** Which binary data frame (0-based) carried it. */
  frame: number;
}

export class KiteTestClient {
  readonly packets: ReceivedPacket[] = [];
  readonly errors: string[] = [];
  /** Reasons binary frames failed `walkKiteFrame`'s checks; tests expect none. */
  readonly malformed: string[] = [];
  readonly texts: Array<{ type: string; data: unknown }> = [];
  heartbeats = 0;
  dataFrames = 0;
  closed: { code: number } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = new Uint8Array(data as Buffer);
      if (!isBinary) {
        const message = JSON.parse(Buffer.from(bytes).toString('utf8')) as { type: string; data: unknown };
        this.texts.push(message);
        if (message.type === 'error') this.errors.push(String(message.data));
        return;
      }
      const packets: ReceivedPacket[] = []; // kept only if the whole frame is valid
      const fault = { reason: '' };
      const frame = this.dataFrames;
      const visitor = {
        packet: (view: DataView, offset: number, length: number) =>
          packets.push({ tick: decodePacket(view, offset, length, `TOKEN:${view.getInt32(offset)}`, Date.now()), length, frame }),
      };
      if (walkKiteFrame(bytes, visitor, fault) === NOT_A_KITE_FRAME) {
        this.malformed.push(fault.reason);
        return;
      }
      if (bytes.byteLength === 1) {
        this.heartbeats++;
        return;
      }
      this.packets.push(...packets);
      this.dataFrames++;
    });
    ws.on('close', (code) => {
      this.closed = { code };
    });
  }

  /** Opens a connection; rejects with `HTTP <status>` when the upgrade is refused. */
  static open(url: string, apiKey: string, accessToken: string): Promise<KiteTestClient> {
    const query = new URLSearchParams({ api_key: apiKey, access_token: accessToken, uid: String(Date.now()) });
    const ws = new WebSocket(`${url}/?${query}`, { perMessageDeflate: false });
    const client = new KiteTestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_request, response) => {
        reject(new Error(`HTTP ${response.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  packetsOf(token: number, from = 0): ReceivedPacket[] {
    return this.packets.slice(from).filter((p) => p.tick.token === token);
  }

  close(): void {
    this.ws.terminate();
  }
}

export { sleep, waitFor } from '../../../helpers/wait';
