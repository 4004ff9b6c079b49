/**
 * Rate-controlled tick sources for the max benchmark, both sending the same batched payload:
 * - `kite`: a Kite-protocol ticker (what a worker connects to) sending Kite frames;
 * - `bare`: a plain ws server sending the agent's tick frames straight to a consumer.
 * Usage: feeds.ts <kite|bare> <instruments> ; control by IPC: {type:'rate', ticksPerSecond}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodePacket, type PacketFields } from '../shared/kite-packet';
import { TickFrameWriter } from '../shared/tick-frame';
import { buildUniverse } from '../agent/market/sim/universe';

const [kind, countText] = process.argv.slice(2) as ['kite' | 'bare', string];
const BATCH = 500;
const INTERVAL_MS = 5;
const universe = buildUniverse({ generated: Number(countText) }).filter((i) => i.id.startsWith('NSE:SIM'));

/** Pre-built batches of full packets, cycling through the instruments. */
function buildBatches(): Uint8Array[] {
  const fields: PacketFields = {
    token: 0, lastPrice: 0, lastQuantity: 1, averagePrice: 0, volume: 1000, totalBuyQuantity: 500, totalSellQuantity: 700,
    open: 100, high: 110, low: 90, close: 100, lastTradeTime: 1_700_000_000, oi: 0, oiDayHigh: 0, oiDayLow: 0,
    exchangeTimestamp: 1_700_000_000,
    depth: Array.from({ length: 10 }, (_, i) => ({ price: 100 + (i < 5 ? -i : i - 4) * 0.05, quantity: 10 * (i + 1), orders: i + 1 })),
  };
  const batches: Uint8Array[] = [];
  const packet = new Uint8Array(184);
  const view = new DataView(packet.buffer);
  for (let start = 0; start < universe.length; start += BATCH) {
    const slice = universe.slice(start, start + BATCH);
    if (kind === 'kite') {
      const bytes = new Uint8Array(2 + slice.length * 186);
      const out = new DataView(bytes.buffer);
      out.setUint16(0, slice.length);
      slice.forEach((instrument, i) => {
        fields.token = instrument.token;
        fields.lastPrice = fields.averagePrice = instrument.basePrice;
        const at = 2 + i * 186;
        out.setUint16(at, 184);
        encodePacket(out, at + 2, 'full', fields);
      });
      batches.push(bytes);
    } else {
      const writer = new TickFrameWriter();
      for (const instrument of slice) {
        fields.token = instrument.token;
        fields.lastPrice = fields.averagePrice = instrument.basePrice;
        encodePacket(view, 0, 'full', fields);
        writer.append(packet, 0, 184, 0);
      }
      batches.push(writer.take());
    }
  }
  return batches;
}

const batches = buildBatches();
let rate = 0;
let client: WebSocket | undefined;
let sent = 0;
let next = 0;
let credit = 0;
let last = performance.now();

setInterval(() => {
  const now = performance.now();
  credit += (rate * (now - last)) / 1000;
  last = now;
  if (!client || rate === 0) {
    credit = 0;
    return;
  }
  // Never queue without bound: what the receiver cannot take is not sent (and not counted).
  while (credit >= BATCH && client.bufferedAmount < 8 * 1024 * 1024) {
    client.send(batches[next]!);
    next = (next + 1) % batches.length;
    credit -= BATCH;
    sent += BATCH;
  }
  if (credit > BATCH * 4) credit = BATCH * 4;
}, INTERVAL_MS);

// Kite's idle heartbeat, so the worker's watchdog keeps the link up between bench steps.
const heartbeat = Buffer.from([0]);
if (kind === 'kite') setInterval(() => client?.send(heartbeat), 1000);

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  client = ws;
  ws.on('close', () => {
    if (client === ws) client = undefined;
  });
  ws.on('message', () => undefined);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', url: `ws://127.0.0.1:${port}`, tokens: universe.map((i) => i.id) });
});
process.on('message', (message: { type: string; ticksPerSecond?: number }) => {
  if (message.type === 'rate') {
    rate = message.ticksPerSecond ?? 0;
    last = performance.now();
  }
  if (message.type === 'sent') process.send?.({ type: 'sent', sent });
});
