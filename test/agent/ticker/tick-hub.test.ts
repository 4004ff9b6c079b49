import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { type ConsumerSink, TickHub } from '../../../agent/ticker/tick-hub';
import type { StreamFormat } from '../../../shared/contract/stream';
import { encodePacket, type PacketFields } from '../../../shared/kite-packet';
import type { Tick } from '../../../shared/tick';
import { decodeTickFrame } from '../../../shared/tick-frame';

const names = new Map([
  [408065, 'NSE:INFY'],
  [2953217, 'NSE:TCS'],
  [738561, 'NSE:RELIANCE'],
]);
const nameOf = (token: number) => names.get(token) ?? `UNKNOWN:${token}`;

function fields(token: number, lastPrice: number): PacketFields {
  return {
    token, lastPrice, lastQuantity: 5, averagePrice: lastPrice, volume: 1000, totalBuyQuantity: 10,
    totalSellQuantity: 20, open: 100, high: lastPrice + 1, low: 90, close: 100, lastTradeTime: 1_700_000_000,
    oi: 0, oiDayHigh: 0, oiDayLow: 0, exchangeTimestamp: 1_700_000_001,
    depth: Array.from({ length: 10 }, (_, i) => ({ price: lastPrice + (i < 5 ? -i : i - 4) * 0.05, quantity: 10 + i, orders: 1 })),
  };
}

function packet(token: number, lastPrice: number, mode: 'ltp' | 'quote' | 'full' = 'full'): Uint8Array {
  const bytes = new Uint8Array(200);
  const length = encodePacket(new DataView(bytes.buffer), 0, mode, fields(token, lastPrice));
  return bytes.slice(0, length);
}

class RecordingSink implements ConsumerSink {
  sent: Array<Uint8Array | string> = [];
  backlog = 0;
  constructor(readonly format: StreamFormat) {}
  send(data: Uint8Array | string) {
    this.sent.push(data);
  }
  bufferedAmount() {
    return this.backlog;
  }
  ticks(): Tick[] {
    return this.sent.flatMap((data) =>
      typeof data === 'string' ? ((JSON.parse(data) as { ticks?: Tick[] }).ticks ?? []) : decodeTickFrame(data, nameOf),
    );
  }
  messages(): Array<{ type: string; conflated?: number }> {
    return this.sent.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d));
  }
}

function hubFor(t: { after: (fn: () => void) => void }, highWaterBytes = 1000) {
  const hub = new TickHub({ nameOf, highWaterBytes, lowWaterBytes: 100, drainCheckMs: 5 });
  t.after(() => hub.close());
  return hub;
}

function publish(hub: TickHub, token: number, price: number, receivedAt = 1000) {
  const bytes = packet(token, price);
  hub.publish(token, bytes, 0, bytes.length, receivedAt);
}

test('each consumer gets exactly the ticks of its instruments, bytes and receipt times intact', (t) => {
  const hub = hubFor(t);
  const infy = new RecordingSink('binary');
  const all = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(infy), [408065]);
  hub.subscribe(hub.addConsumer(all), 'all');
  publish(hub, 408065, 1500.5, 1234.5);
  publish(hub, 2953217, 3900.25, 1235.25);
  hub.flush();
  assert.deepEqual(infy.ticks().map((x) => [x.instrument, x.lastPrice, x.receivedAt]), [['NSE:INFY', 1500.5, 1234.5]]);
  assert.deepEqual(all.ticks().map((x) => [x.instrument, x.lastPrice]), [['NSE:INFY', 1500.5], ['NSE:TCS', 3900.25]]);
  assert.equal(infy.sent.length, 1, 'one frame per flush, not one per tick');
  assert.equal(all.ticks()[1]!.depth!.buy.length, 5);
});

test('JSON consumers get the same ticks as objects', (t) => {
  const hub = hubFor(t);
  const json = new RecordingSink('json');
  hub.subscribe(hub.addConsumer(json), [738561]);
  publish(hub, 738561, 2800.05);
  publish(hub, 738561, 2800.1);
  hub.flush();
  const ticks = json.ticks();
  assert.deepEqual(ticks.map((x) => x.lastPrice), [2800.05, 2800.1]);
  assert.equal(ticks[0]!.instrument, 'NSE:RELIANCE');
  assert.equal(ticks[0]!.timestamp, new Date(1_700_000_001_000).toISOString());
});

test('publish flushes on its own after the current batch', async (t) => {
  const hub = hubFor(t);
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), [408065]);
  publish(hub, 408065, 1);
  publish(hub, 408065, 2);
  assert.equal(sink.sent.length, 0);
  await sleep(1);
  assert.deepEqual(sink.ticks().map((x) => x.lastPrice), [1, 2]);
});

test('a slow consumer is conflated and told it lagged; the others get every tick', async (t) => {
  const hub = hubFor(t);
  const slow = new RecordingSink('binary');
  const fast = new RecordingSink('binary');
  const slowHandle = hub.addConsumer(slow);
  hub.subscribe(slowHandle, [408065, 2953217]);
  hub.subscribe(hub.addConsumer(fast), [408065, 2953217]);

  publish(hub, 408065, 1);
  slow.backlog = 5000; // its socket is backed up past the high-water mark
  hub.flush();
  for (let i = 2; i <= 100; i++) {
    publish(hub, 408065, i);
    publish(hub, 2953217, 1000 + i);
    hub.flush();
  }
  assert.equal(fast.ticks().length, 1 + 99 * 2);
  assert.equal(slow.sent.length, 1, 'nothing more is sent while it lags');
  assert.deepEqual(hub.stats().find((s) => s.id === slowHandle.id)!.lagging, true);

  slow.backlog = 0;
  await sleep(30);
  const lagged = slow.messages().find((m) => m.type === 'lagged');
  assert.equal(lagged?.conflated, 98 + 98);
  const resumed = slow.ticks().slice(1);
  assert.deepEqual(resumed.map((x) => [x.instrument, x.lastPrice]).sort(), [['NSE:INFY', 100], ['NSE:TCS', 1100]]);
  const stats = hub.stats().find((s) => s.id === slowHandle.id)!;
  assert.deepEqual([stats.lagging, stats.conflated], [false, 196]);

  publish(hub, 408065, 101);
  hub.flush();
  assert.equal(slow.ticks().at(-1)!.lastPrice, 101, 'it gets every tick again once drained');
});

test('unsubscribing and removing consumers stops their ticks', (t) => {
  const hub = hubFor(t);
  const a = new RecordingSink('binary');
  const b = new RecordingSink('json');
  const ha = hub.addConsumer(a);
  const hb = hub.addConsumer(b);
  hub.subscribe(ha, [408065, 2953217]);
  hub.subscribe(hb, 'all');
  hub.unsubscribe(ha, [408065]);
  hub.removeConsumer(hb);
  publish(hub, 408065, 1);
  publish(hub, 2953217, 2);
  hub.flush();
  assert.deepEqual(a.ticks().map((x) => x.instrument), ['NSE:TCS']);
  assert.equal(b.sent.length, 0);
  hub.unsubscribe(ha, 'all');
  publish(hub, 2953217, 3);
  hub.flush();
  assert.equal(a.ticks().length, 1);
  assert.deepEqual(hub.stats().map((s) => s.instruments), [0]);
});

test('a frame never exceeds 65535 ticks', (t) => {
  const hub = hubFor(t, 1e12);
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), 'all');
  const bytes = packet(408065, 10, 'ltp');
  for (let i = 0; i < 70_000; i++) hub.publish(408065, bytes, 0, bytes.length, i);
  hub.flush();
  assert.equal(sink.sent.length, 2);
  assert.equal(sink.ticks().length, 70_000);
});

test('latest() decodes the most recent tick of an instrument', (t) => {
  const hub = hubFor(t);
  assert.equal(hub.latest(408065), undefined);
  publish(hub, 408065, 1500);
  publish(hub, 408065, 1501.5, 77);
  assert.deepEqual([hub.latest(408065)!.lastPrice, hub.latest(408065)!.receivedAt], [1501.5, 77]);
  hub.forget(408065);
  assert.equal(hub.latest(408065), undefined);
});

test('a consumer subscribed to some instruments and then to all gets each tick once', (t) => {
  const hub = hubFor(t);
  const sink = new RecordingSink('binary');
  const handle = hub.addConsumer(sink);
  hub.subscribe(handle, [408065]);
  hub.subscribe(handle, 'all');
  publish(hub, 408065, 1);
  publish(hub, 2953217, 2);
  hub.flush();
  assert.deepEqual(sink.ticks().map((x) => x.lastPrice), [1, 2]);
  hub.unsubscribe(handle, 'all');
  publish(hub, 408065, 3);
  hub.flush();
  assert.equal(sink.ticks().length, 2, 'unsubscribing all removes the named instruments too');
});

test('a lagging all-subscriber that unsubscribes gets nothing more when it drains', async (t) => {
  const hub = hubFor(t);
  const sink = new RecordingSink('binary');
  const handle = hub.addConsumer(sink);
  hub.subscribe(handle, 'all');
  publish(hub, 408065, 1);
  sink.backlog = 5000;
  hub.flush();
  publish(hub, 408065, 2);
  publish(hub, 2953217, 3);
  hub.unsubscribe(handle, 'all');
  sink.backlog = 0;
  await sleep(30);
  assert.deepEqual(sink.ticks().map((x) => x.lastPrice), [1]);
});

test('the latest tick follows a change of packet length (a mode change)', (t) => {
  const hub = hubFor(t);
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), [408065]);
  for (const [mode, price] of [['full', 10], ['ltp', 11], ['quote', 12]] as const) {
    const bytes = packet(408065, price, mode);
    hub.publish(408065, bytes, 0, bytes.length, 1);
    assert.deepEqual([hub.latest(408065)!.mode, hub.latest(408065)!.lastPrice], [mode, price]);
  }
  hub.flush();
  assert.deepEqual(sink.ticks().map((x) => x.mode), ['full', 'ltp', 'quote']);
});
