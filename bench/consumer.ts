/**
 * A stream consumer in its own process: subscribes, decodes every tick, and measures latency
 * from the tick's arrival in a ticker worker (`receivedAt`) to its receipt here.
 * Usage: consumer.ts <ws-url> <token> <instruments-file|all> <report|window>
 * `window`: measures from the parent's {type:'measure', ms, windows} message for `windows`
 * sub-windows of `ms` each, then prints one JSON line, { windows: [{ received, messages, seconds,
 * lagged, conflated, gcMs, gcMaxMs, histogram }] }, and exits.
 * `report`: sends its running counts to the parent every 100 ms and runs until killed.
 *
 * Receipt is stamped for every message as it comes off the socket, and the ticks are decoded
 * after the messages of that read have all been stamped: when several messages arrive together,
 * the later ones are not charged with the time this process spends decoding the earlier ones
 * (nor with the collections that decoding causes). Decoding is this consumer's own work, not the
 * engine's latency; it still happens for every tick, so the CPU load on the machine is the same.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import WebSocket from 'ws';
import { decodePacket } from '../shared/kite-packet';
import { forEachFrameTick } from '../shared/tick-frame';
import { LatencyHistogram } from './latency-histogram';

const [url, token, which, kind] = process.argv.slice(2) as [string, string, string, 'report' | 'window'];
const now = () => performance.timeOrigin + performance.now();

const histogram = new LatencyHistogram();
let received = 0;
/** Binary messages (frames from the hub) received while measuring. */
let messages = 0;
let lagged = 0;
let conflated = 0;
let measuring = false;
let checksum = 0;
/** This process's garbage-collection pauses in the current window. */
const gc = { ms: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  if (!measuring) return;
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

/** Messages stamped but not decoded yet (see the header). */
const undecoded: Uint8Array[] = [];
function decodeAll(): void {
  for (const bytes of undecoded) {
    forEachFrameTick(bytes, (view, offset, length, receivedAt) => {
      // A consumer that uses every tick: decode it whole, as an algo would.
      const tick = decodePacket(view, offset, length, '', receivedAt);
      checksum += tick.lastPrice;
    });
  }
  undecoded.length = 0;
}

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

process.on('message', (message: { type?: string; ms?: number; windows?: number }) => {
  if (message.type !== 'measure') return;
  const windowMs = message.ms!;
  const count = message.windows ?? 1;
  const windows: Array<Record<string, unknown>> = [];
  let started = now();
  const reset = () => {
    received = messages = lagged = conflated = 0;
    gc.ms = gc.maxMs = 0;
    histogram.reset();
  };
  reset();
  measuring = true;
  // Each boundary is set from the start, so a late timer does not shift the windows after it.
  const first = performance.now();
  const counts: Uint32Array[] = [];
  const next = () => {
    const at = now();
    // A copy for now, made sparse at the end: the boundary costs every consumer little, at once.
    windows.push({ received, messages, seconds: (at - started) / 1000, lagged, conflated, gcMs: gc.ms, gcMaxMs: gc.maxMs });
    counts.push(histogram.counts.slice());
    started = at;
    reset();
    if (windows.length < count) {
      setTimeout(next, first + (windows.length + 1) * windowMs - performance.now());
      return;
    }
    measuring = false;
    ws.terminate();
    windows.forEach((window, i) => (window.histogram = new LatencyHistogram(counts[i]).toSparse()));
    process.stdout.write(`${JSON.stringify({ windows, checksum: checksum > 0 })}\n`, () => process.exit(0));
  };
  setTimeout(next, windowMs);
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
  if (measuring) {
    messages++;
    forEachFrameTick(bytes, (_view, _offset, _length, receivedAt) => {
      received++;
      histogram.record(at - receivedAt);
    });
  }
  if (undecoded.push(bytes) === 1) setImmediate(decodeAll);
});
ws.on('error', (error) => {
  console.error(`consumer: ${error.message}`);
  process.exit(1);
});
