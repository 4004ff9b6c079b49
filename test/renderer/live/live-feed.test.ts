/**
 * LiveFeed against a real agent (real workers on the simulated market, a real WebSocket): wants
 * are counted and batched into one subscribe, a snapshot seeds prices before the first tick, a
 * release unsubscribes, and a restart of the agent is ridden out without asking again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { StreamState } from '../../../shared/contract/stream-client';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { LiveFeed } from '../../../renderer/src/live/live-feed';
import { LivePrices } from '../../../renderer/src/live/live-prices';
import { sleep, startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, newGate } from '../helpers/agent-socket';

const INFY = 'NSE:INFY';
const TCS = 'NSE:TCS';
const SBIN = 'NSE:SBIN';
const WIPRO = 'NSE:WIPRO';
const OPTIONS = { workers: 1, simTicksPerSecond: 20 };

let dataDir: string;
let agent: TestAgent;
let connection: AgentConnection;
let feed: LiveFeed;
const gate = newGate();
const states: StreamState[] = [];

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'algodeck-live-feed-'));
  agent = await startTestAgent({ dataDir, ...OPTIONS });
  await agent.api.call('subscribe', { instruments: [INFY, TCS, SBIN, WIPRO], mode: 'full' });
  connection = connectForTest(agent.agent.url, TEST_TOKEN, gate);
  feed = new LiveFeed(connection, { prices: new LivePrices({ schedule: (flush) => setImmediate(flush) }), staleCheckMs: 50 });
  feed.onState((state) => states.push(state));
});

after(async () => {
  feed?.close();
  connection?.close();
  await agent?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The subscribe / unsubscribe requests the client sent for ticks, from `since`. */
const requests = (type: 'subscribe' | 'unsubscribe', since = 0) => gate.sent.slice(since).filter((m) => m.type === type && m.topic === 'ticks');
/** How many instruments our stream connection receives, as the agent counts them. */
async function streamed(): Promise<number | 'all'> {
  const { consumers } = await agent.api.call('getTicker');
  // The agent counts a stream client once it first subscribes.
  assert.ok(consumers.length <= 1, `one stream client at most: ${JSON.stringify(consumers)}`);
  return consumers[0]?.instruments ?? 0;
}
/** Ticks of `id` that arrive from now on. */
function counter(id: string) {
  let count = 0;
  const off = connection.stream.on('ticks', (ticks) => (count += ticks.filter((t) => t.instrument === id).length));
  return { get count() { return count; }, off };
}

test('the feed reports the stream open', async () => {
  await waitFor('the stream to open', () => feed.connection.state === 'open');
  assert.ok(states.includes('open'), `states: ${states.join(', ')}`);
  assert.equal(feed.connection.state, 'open');
  assert.equal(await streamed(), 0, 'nothing is streamed before anything is wanted');
});

test('wanting two instruments is one subscribe; ticks arrive into prices; releasing unsubscribes', async () => {
  const since = gate.sent.length;
  const started = Date.now();
  const release = feed.want([INFY, TCS]);
  const alsoInfy = feed.want([INFY]); // asked again in the same turn: still one message
  await feed.settled();
  const subscribes = requests('subscribe', since);
  assert.equal(subscribes.length, 1, JSON.stringify(subscribes));
  assert.deepEqual([...subscribes[0]!.instruments].sort(), [INFY, TCS]);
  assert.equal(await streamed(), 2);
  assert.equal(feed.lastError, null);

  const received = feed.prices.received;
  await waitFor('live ticks of both', () => feed.prices.received > received + 4 && [INFY, TCS].every((id) => (feed.prices.get(id)?.receivedAt ?? 0) >= started - 1_000));
  for (const id of [INFY, TCS]) {
    const tick = feed.prices.get(id)!;
    assert.equal(tick.instrument, id);
    assert.equal(tick.mode, 'full');
    assert.ok(tick.lastPrice > 0);
    assert.equal(feed.prices.isStale(id), false, `${id} is fresh`);
  }
  assert.equal(feed.prices.get(SBIN), undefined, 'what nobody wants does not arrive');

  release();
  alsoInfy();
  await feed.settled();
  const unsubscribes = requests('unsubscribe', since);
  assert.equal(unsubscribes.length, 1);
  assert.deepEqual([...unsubscribes[0]!.instruments].sort(), [INFY, TCS]);
  assert.equal(await streamed(), 0);
  assert.equal(feed.prices.get(INFY), undefined, 'prices of released instruments nothing shows are forgotten');
  const infy = counter(INFY);
  await sleep(400);
  infy.off();
  assert.equal(infy.count, 0, 'no more ticks after the release');
});

test('the snapshot seeds prices before the first tick', async () => {
  gate.holdTicks = true;
  let release = () => {};
  try {
    const received = feed.prices.received;
    release = feed.want([SBIN]);
    await feed.settled();
    const seeded = feed.prices.get(SBIN);
    assert.ok(seeded, 'a price from the snapshot, with no tick');
    assert.equal(feed.prices.received, received, 'no tick was let through');
    assert.equal(seeded.instrument, SBIN);
    assert.ok(seeded.lastPrice > 0);
    assert.equal('stale' in seeded, false);
    assert.equal(feed.prices.isStale(SBIN), false, 'the agent said it is fresh');
    const direct = (await agent.api.call('getQuotes', { instruments: [SBIN] })).quotes[SBIN]!;
    assert.ok(direct.receivedAt >= seeded.receivedAt, 'the snapshot is the agent\'s latest tick (or an earlier one)');

    gate.holdTicks = false;
    await waitFor('live ticks after the snapshot', () => (feed.prices.get(SBIN)?.receivedAt ?? 0) > seeded.receivedAt);
  } finally {
    gate.holdTicks = false;
    release();
    await feed.settled();
  }
  assert.equal(await streamed(), 0);
});

test('wants are counted: releasing one of two keeps the instrument; a release twice counts once', async () => {
  const since = gate.sent.length;
  const first = feed.want([WIPRO]);
  const second = feed.want([WIPRO]);
  await feed.settled();
  assert.equal(await streamed(), 1);
  first();
  first();
  await feed.settled();
  assert.equal(await streamed(), 1, 'the second want still holds it');
  assert.equal(requests('unsubscribe', since).length, 0);
  const wipro = counter(WIPRO);
  await waitFor('ticks still coming', () => wipro.count >= 3);
  wipro.off();
  second();
  await feed.settled();
  assert.equal(await streamed(), 0);
  assert.equal(requests('subscribe', since).length, 1);
  assert.equal(requests('unsubscribe', since).length, 1);
});

test('a want released in the same turn sends nothing', async () => {
  const since = gate.sent.length;
  const release = feed.want([INFY, TCS]);
  release();
  feed.want([])();
  await feed.settled();
  await sleep(20);
  assert.deepEqual(requests('subscribe', since), []);
  assert.deepEqual(requests('unsubscribe', since), []);
  assert.equal(await streamed(), 0);
});

test('an unknown instrument is reported and does not hold back the others', async () => {
  const releases: Array<() => void> = [];
  try {
    releases.push(feed.want(['NSE:NOPE', TCS]));
    await feed.settled();
    assert.match(feed.lastError ?? '', /NSE:NOPE/);
    releases.push(feed.want([INFY]));
    await feed.settled();
    assert.equal(await streamed(), 2, 'TCS and INFY are streamed; NOPE cannot be');
    await waitFor('TCS ticks', () => feed.prices.get(TCS) !== undefined);
  } finally {
    for (const release of releases) release();
    await feed.settled();
  }
});

test('a restart of the agent: stale while down, reconnecting then open, ticks again without asking', { timeout: 30_000 }, async () => {
  const release = feed.want([INFY, TCS]);
  try {
    await feed.settled();
    await waitFor('ticks before the restart', () => feed.prices.get(INFY) !== undefined && !feed.prices.isStale(INFY));
    let told = 0;
    const off = feed.prices.subscribe(INFY, () => told++);
    const port = agent.agent.port;
    states.length = 0;
    const sentBefore = gate.sent.length;

    await agent.stop();
    await waitFor('the feed to notice', () => states.includes('reconnecting'));
    assert.equal(feed.connection.state, 'reconnecting');
    assert.ok(feed.connection.detail, 'a reason is given');
    assert.equal(feed.prices.isStale(INFY), true, 'no price is fresh while the stream is down');
    assert.equal(feed.prices.isStale(TCS), true);
    await waitFor('the row to be told it is stale', () => told > 0);
    const lastBeforeRestart = feed.prices.get(INFY)!.receivedAt;

    agent = await startTestAgent({ dataDir, port, ...OPTIONS });
    await waitFor('open again', () => feed.connection.state === 'open', 15_000);
    const reconnecting = states.indexOf('reconnecting');
    assert.ok(reconnecting >= 0 && states.lastIndexOf('open') > reconnecting, `states: ${states.join(', ')}`);
    await waitFor('ticks again', () => (feed.prices.get(INFY)?.receivedAt ?? 0) > lastBeforeRestart && !feed.prices.isStale(INFY), 10_000);
    await waitFor('TCS ticks again', () => (feed.prices.get(TCS)?.receivedAt ?? 0) > lastBeforeRestart && !feed.prices.isStale(TCS), 10_000);
    assert.equal(await streamed(), 2, 'the new agent streams both to us');
    // The stream client made the subscription again; the feed did not have to.
    assert.deepEqual(requests('subscribe', sentBefore).map((m) => [...m.instruments].sort()), [[INFY, TCS]]);
    off();
  } finally {
    release();
    // Bounded: if the agent did not come back, the unsubscribe waits for a connection that never opens.
    await Promise.race([feed.settled(), sleep(2_000)]);
  }
  assert.equal(await streamed(), 0);
});
