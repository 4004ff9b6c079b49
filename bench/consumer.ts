/**
 * A stream consumer in its own process: subscribes, decodes every tick, and measures latency
 * from the tick's arrival in a ticker worker (`receivedAt`) to its receipt here.
 * Usage: consumer.ts <ws-url> <token> <instruments-file|all> <report|window>
 * `window`: measures from the parent's {type:'measure', ms} message for that long, then prints
 * one JSON line: { received, seconds, lagged, conflated, histogram } and exits.
 * `report`: sends its running counts to the parent every 100 ms and runs until killed.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { decodePacket } from '../shared/kite-packet';
import { forEachFrameTick } from '../shared/tick-frame';
import { LatencyHistogram } from './latency-histogram';

const [url, token, which, kind] = process.argv.slice(2) as [string, string, string, 'report' | 'window'];
const now = () => performance.timeOrigin + performance.now();

const histogram = new LatencyHistogram();
let received = 0;
let lagged = 0;
let conflated = 0;
let measuring = false;
let checksum = 0;

const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, perMessageDeflate: false });
ws.binaryType = 'nodebuffer';
ws.on('open', () => {
  const subscribe = which === 'all' ? { type: 'subscribe', all: true } : { type: 'subscribe', instruments: JSON.parse(readFileSync(which, 'utf8')) };
  ws.send(JSON.stringify(subscribe));
  process.send?.({ type: 'subscribed' });
  if (kind === 'report') {
    measuring = true;
    setInterval(() => process.send?.({ type: 'count', received, lagged, conflated, at: now() }), 100);
  }
});
process.on('message', (message: { type?: string; ms?: number }) => {
  if (message.type !== 'measure') return;
  measuring = true;
  const started = now();
  setTimeout(() => {
    measuring = false;
    const seconds = (now() - started) / 1000;
    const result = { received, seconds, lagged, conflated, checksum: checksum > 0, histogram: histogram.toSparse() };
    ws.terminate();
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
  }, message.ms);
});
ws.on('message', (data: Buffer, isBinary) => {
  const at = now();
  if (!isBinary) {
    const message = JSON.parse(data.toString()) as { type: string; conflated?: number };
    if (message.type === 'lagged' && measuring) {
      lagged++;
      conflated += message.conflated ?? 0;
    }
    return;
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  forEachFrameTick(bytes, (view, offset, length, receivedAt) => {
    // A consumer that uses every tick: decode it whole, as an algo would.
    const tick = decodePacket(view, offset, length, '', receivedAt);
    checksum += tick.lastPrice;
    if (measuring) {
      received++;
      histogram.record(at - receivedAt);
    }
  });
});
ws.on('error', (error) => {
  console.error(`consumer: ${error.message}`);
  process.exit(1);
});
