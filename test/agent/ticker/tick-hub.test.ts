import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { type ConsumerSink, MAX_FRAME_BYTES, TickHub, type TickObserver } from '../../../agent/ticker/tick-hub';
import { FLUSH_DELAY_MS } from '../../../agent/ticker/consumer-outbox';
import type { StreamFormat } from '../../../shared/contract/stream';
import {
  type PacketFields,
  readPacketExchangeTime,
  readPacketOi,
  readPacketPrice,
  readPacketVolume,
} from '../../../shared/kite-packet';
import type { Tick } from '../../../shared/tick';
import { frameOf, packet as buildPacket } from '../../helpers/kite-frame';
import { sleep } from '../../helpers/wait';
import { decodeTickFrame } from '../../../shared/tick-frame';

const names = new Map([
  [408065, 'NSE:INFY'],
  [2953217, 'NSE:TCS'],
  [738561, 'NSE:RELIANCE'],
]);
const nameOf = (token: number) => names.get(token) ?? `UNKNOWN:${token}`;

/** A packet of `token` at `lastPrice` (the shared test builder, with this file's argument order). */
function packet(token: number, lastPrice: number, mode: 'ltp' | 'quote' | 'full' = 'full', more: Partial<PacketFields> = {}): Uint8Array {
  return buildPacket(token, mode, { lastPrice, ...more });
}

class RecordingSink implements ConsumerSink {
  sent: Array<Uint8Array | string> = [];
  backlog = 0;
  /** Set to write each message at once: it is copied, and its buffer returned to the hub. */
  writeAtOnce = false;
  constructor(readonly format: StreamFormat) {}
  send(data: Uint8Array | string, written?: () => void) {
    if (!this.writeAtOnce) {
      this.sent.push(data);
      return;
    }
    this.sent.push(typeof data === 'string' ? data : Uint8Array.from(data));
    this.buffers.push(typeof data === 'string' ? null : data.buffer);
    written?.();
  }
  buffers: Array<ArrayBufferLike | null> = [];
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


/** Publishes one broker frame; `accept` picks the packets the ticker carries (all by default). */
function publishFrame(hub: TickHub, packets: Uint8Array[], receivedAt = 1000, accept = (_i: number) => true) {
  const frame = frameOf(packets);
  const view = new DataView(frame.buffer);
  hub.beginFrame(frame, receivedAt);
  let at = 2;
  packets.forEach((p, i) => {
    if (accept(i)) hub.tick(hub.channel(view.getInt32(at + 2)), at + 2, p.length);
    at += 2 + p.length;
  });
  hub.endFrame();
}

function publish(hub: TickHub, token: number, price: number, receivedAt = 1000) {
  publishFrame(hub, [packet(token, price)], receivedAt);
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

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A hub whose clock the test moves (the gaps between frames), with no timer firing unless ticked. */
function clockedHub(t: { after: (fn: () => void) => void }) {
  const clock = { ms: 10_000 };
  const hub = new TickHub({ nameOf, highWaterBytes: 1000, lowWaterBytes: 100, drainCheckMs: 5, now: () => clock.ms });
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => (mock.timers.reset(), hub.close()));
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), [408065]);
  return { hub, sink, clock };
}

test('while frames come sparse, each goes at the end of its turn, not a timer later', async (t) => {
  const { hub, sink, clock } = clockedHub(t);
  for (let price = 1; price <= 20; price++) {
    clock.ms += 25; // the simulated market's frame interval
    publish(hub, 408065, price);
    if (price === 1) assert.equal(sink.sent.length, 0, 'not within the frame itself');
    await nextTurn();
    assert.equal(sink.sent.length, price, `frame ${price} went with no timer`);
  }
});

test('while frames come moments apart, they wait the flush delay and go as one', async (t) => {
  const { hub, sink, clock } = clockedHub(t);
  const atOnce: boolean[] = [];
  for (let price = 1; price <= 40; price++) {
    clock.ms += 1;
    publish(hub, 408065, price);
    await nextTurn();
    atOnce.push(sink.sent.length === price);
    mock.timers.tick(FLUSH_DELAY_MS);
  }
  assert.equal(atOnce[0], true, 'after a quiet spell the first frame went at once');
  assert.deepEqual(atOnce.slice(-5), [false, false, false, false, false], 'once frames come moments apart, they wait for the timer');
  const before = sink.sent.length;
  clock.ms += 1;
  publish(hub, 408065, 41);
  await nextTurn();
  clock.ms += 1;
  publish(hub, 408065, 42);
  await nextTurn();
  assert.equal(sink.sent.length, before, 'nothing goes before the timer');
  mock.timers.tick(FLUSH_DELAY_MS);
  assert.equal(sink.sent.length, before + 1, 'the two frames in one message');
  assert.deepEqual(sink.ticks().map((x) => x.lastPrice), Array.from({ length: 42 }, (_, i) => i + 1), 'every tick, in order');
});

test('a closed hub sends nothing more, not even what waited for its flush', async () => {
  const hub = new TickHub({ nameOf });
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), [408065]);
  publish(hub, 408065, 1);
  hub.close();
  publish(hub, 408065, 2);
  await sleep(20);
  assert.equal(sink.sent.length, 0);
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
  const lagging = hub.stats().find((s) => s.id === slowHandle.id)!;
  // 198 ticks missed, of which the latest of each instrument (2) are still owed to it.
  assert.deepEqual([lagging.lagging, lagging.conflated], [true, 196], 'what it lost shows while it lags');

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

test('a consumer that receives fast may hold more unsent bytes before it lags, up to a cap', async (t) => {
  const hub = new TickHub({ nameOf, highWaterBytes: 1000, maxHighWaterBytes: 10_000, lagAllowanceMs: 100, rateWindowMs: 40, drainCheckMs: 5 });
  t.after(() => hub.close());
  const fast = new RecordingSink('binary');
  const slow = new RecordingSink('binary');
  fast.writeAtOnce = true;
  slow.writeAtOnce = true;
  const fastHandle = hub.addConsumer(fast);
  const slowHandle = hub.addConsumer(slow);
  hub.subscribe(fastHandle, [408065]);
  hub.subscribe(slowHandle, [2953217]);
  // Hundreds of KB/s to the fast one (its mark reaches the cap), a trickle to the slow one.
  const started = performance.now();
  for (let turn = 0; performance.now() - started < 120; turn++) {
    for (let i = 0; i < 10; i++) publish(hub, 408065, i + 1);
    if (turn % 20 === 0) publish(hub, 2953217, 1);
    hub.flush();
    await sleep(2);
  }
  const lagging = () => new Map(hub.stats().map((s) => [s.id, s.lagging]));
  fast.backlog = 5000;
  slow.backlog = 5000;
  publish(hub, 408065, 1);
  publish(hub, 2953217, 1);
  hub.flush();
  assert.equal(lagging().get(fastHandle.id), false, 'a brief backlog of a fast consumer is not a lag');
  assert.equal(lagging().get(slowHandle.id), true, 'the same backlog is a lag for a slow one');
  fast.backlog = 10_001;
  publish(hub, 408065, 2);
  hub.flush();
  assert.equal(lagging().get(fastHandle.id), true, 'past the cap it lags too');
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

test('70,000 ticks of distinct arrival times arrive whole and in order, over several frames', (t) => {
  const hub = hubFor(t, 1e12);
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), 'all');
  const bytes = packet(408065, 10, 'ltp');
  for (let i = 0; i < 70_000; i++) publishFrame(hub, [bytes], i);
  hub.flush();
  assert.ok(sink.sent.length >= 2);
  const times = sink.ticks().map((x) => x.receivedAt);
  assert.equal(times.length, 70_000);
  assert.ok(times.every((at, i) => at === i));
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
    publishFrame(hub, [packet(408065, price, mode)], 1);
    assert.deepEqual([hub.latest(408065)!.mode, hub.latest(408065)!.lastPrice], [mode, price]);
  }
  hub.flush();
  assert.deepEqual(sink.ticks().map((x) => x.mode), ['full', 'ltp', 'quote']);
});

test('an all-subscriber gets only the packets the ticker accepted, in order, however they are split', (t) => {
  const hub = hubFor(t);
  const all = new RecordingSink('binary');
  const named = new RecordingSink('json');
  hub.subscribe(hub.addConsumer(all), 'all');
  hub.subscribe(hub.addConsumer(named), [2953217]);
  const packets = [packet(408065, 1), packet(2953217, 2), packet(738561, 3), packet(408065, 4), packet(2953217, 5)];
  publishFrame(hub, packets, 42, (i) => i !== 2); // the third is not carried (e.g. left over from a move)
  hub.flush();
  assert.deepEqual(all.ticks().map((x) => [x.instrument, x.lastPrice, x.receivedAt]), [
    ['NSE:INFY', 1, 42], ['NSE:TCS', 2, 42], ['NSE:INFY', 4, 42], ['NSE:TCS', 5, 42],
  ]);
  assert.deepEqual(named.ticks().map((x) => x.lastPrice), [2, 5]);
  assert.equal(hub.latest(408065)!.lastPrice, 4);
  assert.equal(hub.latest(738561), undefined);
});

test('latest ticks are copies: they outlive the frame they came in', (t) => {
  const hub = hubFor(t);
  const frame = frameOf([packet(408065, 1500), packet(2953217, 3900)]);
  hub.beginFrame(frame, 9);
  hub.tick(hub.channel(408065), 4, 184);
  hub.tick(hub.channel(2953217), 4 + 186, 184);
  hub.endFrame();
  frame.fill(0); // a read buffer's memory may be reused once the frame is handled
  assert.deepEqual([hub.latest(408065)?.lastPrice, hub.latest(2953217)?.lastPrice, hub.latest(408065)?.receivedAt], [1500, 3900, 9]);
});

test('a lagging all-subscriber is told how many ticks it lost and gets the latest of each', async (t) => {
  const hub = hubFor(t);
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), 'all');
  publish(hub, 408065, 1);
  sink.backlog = 5000;
  hub.flush();
  for (let i = 2; i <= 11; i++) publishFrame(hub, [packet(408065, i), packet(2953217, 100 + i)], i);
  hub.flush();
  assert.equal(hub.stats()[0]!.conflated, 18, 'counted while it lags');
  sink.backlog = 0;
  await sleep(30);
  assert.equal(sink.messages().find((m) => m.type === 'lagged')?.conflated, 18);
  assert.deepEqual([hub.stats()[0]!.lagging, hub.stats()[0]!.conflated], [false, 18], 'and not again when it resumes');
  assert.deepEqual(sink.ticks().map((x) => [x.instrument, x.lastPrice]), [['NSE:INFY', 1], ['NSE:INFY', 11], ['NSE:TCS', 111]]);
});

test('a busy consumer gets frames of about 64 KiB rather than one frame per turn of any size', (t) => {
  const hub = hubFor(t, 1e12);
  const all = new RecordingSink('binary');
  const named = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(all), 'all');
  hub.subscribe(hub.addConsumer(named), [408065]);
  const batch = Array.from({ length: 500 }, (_, i) => packet(408065, i + 1)); // 93 KB a frame
  for (let f = 0; f < 6; f++) publishFrame(hub, batch, f);
  hub.flush();
  for (const sink of [all, named]) {
    const sizes = sink.sent.map((d) => (d as Uint8Array).byteLength);
    assert.ok(sizes.length >= 3, `several frames, not one of ${sizes[0]} bytes`);
    for (const size of sizes.slice(0, -1)) assert.ok(size >= MAX_FRAME_BYTES && size < MAX_FRAME_BYTES + 93_200, `frame of ${size} bytes`);
    assert.equal(sink.ticks().length, 3000);
  }
});

test('frame buffers are reused once the socket has written them, never before', (t) => {
  const hub = hubFor(t, 1e12);
  const returning = new RecordingSink('binary');
  returning.writeAtOnce = true;
  const holding = new RecordingSink('binary'); // never reports a write: its frames must stay intact
  hub.subscribe(hub.addConsumer(returning), 'all');
  hub.subscribe(hub.addConsumer(holding), [408065]);
  for (let i = 1; i <= 20; i++) {
    publishFrame(hub, [packet(408065, i), packet(2953217, 100 + i)], i);
    hub.flush();
  }
  // The holding consumer keeps each of its 20; the returned ones are built in again (by either).
  const distinct = new Set([...returning.buffers, ...holding.sent.map((d) => (d as Uint8Array).buffer)]);
  assert.ok(distinct.size <= 23, `${distinct.size} buffers for 40 frames`);
  assert.deepEqual(returning.ticks().map((x) => x.lastPrice), Array.from({ length: 20 }, (_, i) => [i + 1, 101 + i]).flat());
  assert.equal(new Set(holding.sent.map((d) => (d as Uint8Array).buffer)).size, 20);
  assert.deepEqual(holding.ticks().map((x) => x.lastPrice), Array.from({ length: 20 }, (_, i) => i + 1));
});

test('latest ticks stay right while the store compacts under a stream of frames', (t) => {
  const hub = new TickHub({ nameOf, latestSpaceBytes: 4096 });
  t.after(() => hub.close());
  hub.channel(408065);
  hub.channel(2953217);
  publishFrame(hub, [packet(2953217, 4321)], 1); // ticks once
  for (let i = 1; i <= 500; i++) publishFrame(hub, [packet(408065, i)], 1 + i); // 100 KB of frames
  assert.equal(hub.latest(2953217)?.lastPrice, 4321);
  assert.equal(hub.latest(2953217)?.receivedAt, 1);
  assert.equal(hub.latest(408065)?.lastPrice, 500);
});

test('a consumer removed while lagging reports every tick it never got', (t) => {
  const hub = hubFor(t);
  const slow = new RecordingSink('binary');
  const all = new RecordingSink('binary');
  const slowHandle = hub.addConsumer(slow);
  const allHandle = hub.addConsumer(all);
  hub.subscribe(slowHandle, [408065, 2953217]);
  hub.subscribe(allHandle, 'all');
  publish(hub, 408065, 1);
  slow.backlog = 5000;
  all.backlog = 5000;
  hub.flush();
  for (let i = 2; i <= 6; i++) {
    publishFrame(hub, [packet(408065, i), packet(2953217, 100 + i), packet(738561, 200 + i)]);
    hub.flush();
  }
  // The latest tick of each instrument was still owed: dropped now, it never gets those either.
  assert.deepEqual(hub.removeConsumer(slowHandle), {
    id: slowHandle.id, format: 'binary', instruments: 2, delivered: 1, conflated: 8, lagging: true, lost: 10,
  });
  const removedAll = hub.removeConsumer(allHandle)!;
  assert.deepEqual([removedAll.instruments, removedAll.conflated, removedAll.lost], ['all', 12, 15]);
  assert.equal(hub.removeConsumer(allHandle), undefined, 'removed once');
  assert.deepEqual(hub.stats(), []);
});

test('a consumer removed after catching up reports what it lost in its lags', async (t) => {
  const hub = hubFor(t);
  const sink = new RecordingSink('binary');
  const handle = hub.addConsumer(sink);
  hub.subscribe(handle, [408065]);
  publish(hub, 408065, 1);
  sink.backlog = 5000;
  hub.flush();
  for (let i = 2; i <= 5; i++) publish(hub, 408065, i);
  sink.backlog = 0;
  await sleep(30);
  assert.deepEqual(sink.ticks().map((x) => x.lastPrice), [1, 5]);
  const removed = hub.removeConsumer(handle)!;
  assert.deepEqual([removed.delivered, removed.conflated, removed.lost, removed.lagging], [2, 3, 3, false]);
});

/** Records what a candle aggregator reads of each tick. */
class FieldReader implements TickObserver {
  seen: Array<[token: number, price: number, volume: number, oi: number, exchangeTime: number, receivedAt: number]> = [];
  tick(token: number, view: DataView, offset: number, length: number, receivedAt: number): void {
    this.seen.push([
      token, readPacketPrice(view, offset, length), readPacketVolume(view, offset, length), readPacketOi(view, offset, length),
      readPacketExchangeTime(view, offset, length), receivedAt,
    ]);
  }
}

test('observers see every accepted packet once, in order, with the fields a candle needs', (t) => {
  const hub = hubFor(t);
  const first = new FieldReader();
  const second = new FieldReader();
  hub.observe(first);
  const all = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(all), 'all');
  publishFrame(hub, [packet(408065, 1500.5, 'full', { volume: 10, oi: 7, exchangeTimestamp: 1_700_000_100 })], 5);
  hub.observe(second); // from the next packet on
  const packets = [
    packet(2953217, 3900.25, 'full', { volume: 20, oi: 8, exchangeTimestamp: 1_700_000_101 }),
    packet(738561, 1, 'full'), // not accepted
    packet(408065, 1501, 'quote', { volume: 30 }),
    packet(2953217, 3901, 'ltp'),
  ];
  publishFrame(hub, packets, 6, (i) => i !== 1);
  const expected = [
    [408065, 1500.5, 10, 7, 1_700_000_100, 5],
    [2953217, 3900.25, 20, 8, 1_700_000_101, 6],
    [408065, 1501, 30, 0, 0, 6],
    [2953217, 3901, 0, 0, 0, 6],
  ];
  assert.deepEqual(first.seen, expected);
  assert.deepEqual(second.seen, expected.slice(1));
  hub.flush();
  assert.deepEqual(all.ticks().map((x) => x.lastPrice), [1500.5, 3900.25, 1501, 3901], 'consumers get the same ticks');
  assert.deepEqual(hub.observerStats(), { observers: 2, failed: 0 });
});

test('an observer that stops observing gets nothing more, and its removal removes only itself', (t) => {
  const hub = hubFor(t);
  const leaving = new FieldReader();
  const staying = new FieldReader();
  const stop = hub.observe(leaving);
  hub.observe(staying);
  publish(hub, 408065, 1);
  stop();
  publish(hub, 408065, 2);
  const again = hub.observe(leaving);
  stop(); // a stale removal leaves the new registration alone
  publish(hub, 408065, 3);
  assert.deepEqual(leaving.seen.map((s) => s[1]), [1, 3]);
  assert.deepEqual(staying.seen.map((s) => s[1]), [1, 2, 3]);
  assert.throws(() => hub.observe(leaving), /already observes/);
  again();
  assert.deepEqual(hub.observerStats(), { observers: 1, failed: 0 });
});

test('an observer that throws is removed and reported; ticks go on to everyone else', (t) => {
  const errors: Array<[unknown, TickObserver]> = [];
  const hub = new TickHub({ nameOf, onObserverError: (error, observer) => errors.push([error, observer]) });
  t.after(() => hub.close());
  const before = new FieldReader();
  const after = new FieldReader();
  let calls = 0;
  const failing: TickObserver = {
    tick(_token, _view, _offset, _length, _receivedAt) {
      if (++calls === 2) throw new Error('candle state broken');
    },
  };
  hub.observe(before);
  hub.observe(failing);
  hub.observe(after);
  const sink = new RecordingSink('binary');
  hub.subscribe(hub.addConsumer(sink), [408065]);
  for (let i = 1; i <= 4; i++) publish(hub, 408065, i);
  hub.flush();
  assert.equal(calls, 2, 'not called again after it threw');
  assert.deepEqual(errors.map(([error, observer]) => [(error as Error).message, observer]), [['candle state broken', failing]]);
  assert.deepEqual(before.seen.map((s) => s[1]), [1, 2, 3, 4]);
  assert.deepEqual(after.seen.map((s) => s[1]), [1, 2, 3, 4]);
  assert.deepEqual(sink.ticks().map((x) => x.lastPrice), [1, 2, 3, 4]);
  assert.equal(hub.latest(408065)?.lastPrice, 4);
  assert.deepEqual(hub.observerStats(), { observers: 2, failed: 1 });
});
