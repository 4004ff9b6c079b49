import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { tradingDay } from '../../../../agent/market/sim/price-process';
import { SimHistory } from '../../../../agent/market/sim/sim-history';
import { startSimTickerServer, type SimTickerServerOptions } from '../../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../../agent/market/sim/universe';
import { KiteTestClient, sleep, waitFor } from './kite-test-client';

const KEY = 'sim-key';
const TOKEN = 'sim-access-token';
const INFY = 408065;
const RELIANCE = 738561;
const TCS = 2953217;
const NIFTY = 256265;
const universe = buildUniverse({ generated: 3100 });
const generatedTokens = universe.filter((i) => i.tradingsymbol.startsWith('SIM')).map((i) => i.token);

async function start(t: TestContext, options: Partial<SimTickerServerOptions> = {}) {
  const server = await startSimTickerServer({
    universe,
    apiKey: KEY,
    accessToken: TOKEN,
    seed: 7,
    ticksPerSecond: 20,
    frameIntervalMs: 20,
    ...options,
  });
  t.after(() => server.close(), { timeout: 5000 });
  return server;
}

async function connect(t: TestContext, url: string, key = KEY, token = TOKEN): Promise<KiteTestClient> {
  const client = await KiteTestClient.open(url, key, token);
  t.after(() => client.close());
  return client;
}

test('refuses wrong or missing credentials with HTTP 403', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  await assert.rejects(KiteTestClient.open(server.url, KEY, 'wrong'), /HTTP 403/);
  await assert.rejects(KiteTestClient.open(server.url, 'wrong', TOKEN), /HTTP 403/);
  await assert.rejects(KiteTestClient.open(server.url, '', ''), /HTTP 403/);
  assert.equal(server.stats().connections, 0);
});

test('a 4th connection for the key gets HTTP 429, and a freed slot can be reused', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const clients = [await connect(t, server.url), await connect(t, server.url), await connect(t, server.url)];
  await assert.rejects(KiteTestClient.open(server.url, KEY, TOKEN), /HTTP 429/);
  clients[0]!.close();
  await waitFor('the server to see the close', () => server.stats().connections === 2);
  await connect(t, server.url);
  assert.equal(server.stats().connections, 3);
});

test('subscribe sends quote packets; mode changes change packet lengths', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const client = await connect(t, server.url);
  client.send({ a: 'subscribe', v: [INFY, NIFTY, 999_999_999] }); // the unknown token is ignored
  await waitFor('quote packets', () => client.packetsOf(INFY).length >= 3 && client.packetsOf(NIFTY).length >= 3);
  assert.ok(client.packetsOf(INFY).every((p) => p.length === 44 && p.tick.mode === 'quote'));
  assert.ok(client.packetsOf(NIFTY).every((p) => p.length === 28 && !p.tick.tradable));
  assert.ok(client.packets.every((p) => p.tick.token === INFY || p.tick.token === NIFTY));
  assert.equal(server.stats().subscribedTokens, 2);

  for (const [mode, stock, index] of [['full', 184, 32], ['ltp', 8, 8], ['quote', 44, 28]] as const) {
    const sentAt = client.packets.length;
    client.send({ a: 'mode', v: [mode, [INFY, NIFTY]] });
    // Packets in flight may still have the old shape; from the first new one on, all must be new.
    const first = (token: number, length: number) =>
      waitFor(`${mode} packets of ${token}`, () => {
        const i = client.packets.findIndex((p, at) => at >= sentAt && p.tick.token === token && p.length === length);
        return i >= 0 ? i : undefined;
      });
    const stockFrom = await first(INFY, stock);
    const indexFrom = await first(NIFTY, index);
    await waitFor('more ticks', () => client.packetsOf(INFY, stockFrom + 1).length >= 3);
    assert.ok(client.packetsOf(INFY, stockFrom).every((p) => p.length === stock && p.tick.mode === mode));
    assert.ok(client.packetsOf(NIFTY, indexFrom).every((p) => p.length === index && p.tick.mode === mode));
  }
  assert.deepEqual(client.malformed, []);
  assert.deepEqual(client.errors, []);
  assert.ok(server.stats().packetsSent >= client.packets.length && server.stats().framesSent >= client.dataFrames);
});

test('unsubscribe stops that token and no other', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const client = await connect(t, server.url);
  client.send({ a: 'subscribe', v: [INFY, RELIANCE] });
  await waitFor('both tokens', () => client.packetsOf(INFY).length > 0 && client.packetsOf(RELIANCE).length > 0);
  client.send({ a: 'unsubscribe', v: [INFY] });
  client.send({ a: 'subscribe', v: [TCS] }); // its first packet proves the unsubscribe was handled
  const mark = await waitFor('TCS', () => {
    const i = client.packets.findIndex((p) => p.tick.token === TCS);
    return i >= 0 ? i : undefined;
  });
  await sleep(300);
  assert.equal(client.packetsOf(INFY, mark).length, 0);
  assert.ok(client.packetsOf(RELIANCE, mark).length >= 2);
  assert.equal(server.stats().subscribedTokens, 2);
});

test('more than 3000 instruments on a connection is refused whole; the connection keeps working', { timeout: 15_000 }, async (t) => {
  const server = await start(t, { ticksPerSecond: 1 });
  const client = await connect(t, server.url);
  client.send({ a: 'subscribe', v: generatedTokens.slice(0, 2990) });
  client.send({ a: 'subscribe', v: generatedTokens.slice(2990, 3010) });
  await waitFor('the limit error', () => client.errors.length > 0);
  assert.deepEqual(client.errors, ["Can't subscribe to more than 3000 instruments."]);
  assert.equal(server.stats().subscribedTokens, 2990);
  client.send({ a: 'subscribe', v: generatedTokens.slice(2990, 3000) });
  await waitFor('the last allowed token', () => client.packetsOf(generatedTokens[2999]!).length > 0);
  assert.equal(server.stats().subscribedTokens, 3000);
  assert.equal(client.packetsOf(generatedTokens[3005]!).length, 0);
  assert.equal(client.errors.length, 1);
});

test('malformed messages get an error text frame and the connection stays up', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const client = await connect(t, server.url);
  const bad = ['not json', '[]', 'null', '{"a":"subscribe","v":"408065"}', '{"a":"subscribe","v":[1.5]}',
    '{"a":"mode","v":["fast",[408065]]}', '{"a":"mode","v":["full"]}', '{"a":"explode","v":[]}', '"subscribe"'];
  for (const message of bad) client.send(message);
  client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  await waitFor('one error per bad message', () => client.errors.length === bad.length + 1);
  assert.ok(client.errors.every((e) => e.startsWith('Invalid message')), client.errors.join('\n'));
  client.send({ a: 'subscribe', v: [INFY] });
  await waitFor('ticks after the errors', () => client.packetsOf(INFY).length > 0);
  assert.equal(client.closed, null);
});

test('an idle connection gets 1-byte heartbeats', { timeout: 15_000 }, async (t) => {
  const server = await start(t, { heartbeatMs: 100 });
  const client = await connect(t, server.url);
  await waitFor('heartbeats', () => client.heartbeats >= 3, 2000);
  assert.equal(client.dataFrames, 0);
});

test('two connections on one token see the same ticks', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const a = await connect(t, server.url);
  const b = await connect(t, server.url);
  a.send({ a: 'subscribe', v: [RELIANCE] });
  a.send({ a: 'mode', v: ['full', [RELIANCE]] });
  await sleep(100);
  b.send({ a: 'subscribe', v: [RELIANCE] });
  b.send({ a: 'mode', v: ['full', [RELIANCE]] });
  await waitFor('ticks on both', () => b.packetsOf(RELIANCE).filter((p) => p.length === 184).length >= 10);
  // Cumulative volume rises with every trade, so it names a tick.
  const byVolume = new Map(a.packetsOf(RELIANCE).filter((p) => p.length === 184).map((p) => [p.tick.volume, p.tick]));
  const shared = b.packetsOf(RELIANCE).filter((p) => p.length === 184 && byVolume.has(p.tick.volume));
  assert.ok(shared.length >= 8, `only ${shared.length} ticks in common`);
  for (const { tick } of shared) {
    const twin = byVolume.get(tick.volume)!;
    assert.deepEqual({ ...tick, receivedAt: 0, timestamp: '' }, { ...twin, receivedAt: 0, timestamp: '' });
  }
});

test('ticks are spread over frames at about the configured rate, up to 50 a second', { timeout: 15_000 }, async (t) => {
  const server = await start(t, { ticksPerSecond: 50 });
  const client = await connect(t, server.url);
  const tokens = generatedTokens.slice(0, 20);
  client.send({ a: 'subscribe', v: tokens });
  await sleep(200);
  const from = client.packets.length;
  await sleep(1000);
  const counted = client.packets.length - from;
  assert.ok(counted > 20 * 50 * 0.7 && counted < 20 * 50 * 1.3, `got ${counted} packets in 1 s`);
  const perFrame = new Map<number, number>();
  for (const p of client.packets.slice(from)) perFrame.set(p.frame, (perFrame.get(p.frame) ?? 0) + 1);
  assert.ok(perFrame.size >= 20, `ticks came in only ${perFrame.size} frames`);
});

test('dropConnections closes every client abruptly; clients can reconnect', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const a = await connect(t, server.url);
  const b = await connect(t, server.url);
  a.send({ a: 'subscribe', v: [INFY] });
  await waitFor('a tick', () => a.packets.length > 0);
  server.dropConnections();
  await waitFor('both closed', () => a.closed !== null && b.closed !== null);
  assert.equal(a.closed!.code, 1006); // no close frame: as if the network failed
  assert.deepEqual(server.stats(), { ...server.stats(), connections: 0, subscribedTokens: 0 });
  const again = await connect(t, server.url);
  again.send({ a: 'subscribe', v: [INFY] });
  await waitFor('a tick after reconnecting', () => again.packets.length > 0);
});

test('close() ends connections and releases the port', { timeout: 15_000 }, async (t) => {
  const server = await start(t);
  const client = await connect(t, server.url);
  await server.close();
  await waitFor('the client to be closed', () => client.closed !== null);
  await assert.rejects(KiteTestClient.open(server.url, KEY, TOKEN));
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(server.port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
});

test('with historyFrom, each market resumes its simulated history', { timeout: 15_000 }, async (t) => {
  const historyFrom = Math.floor(Date.now() / 60_000) * 60_000;
  const server = await start(t, { historyFrom });
  const client = await connect(t, server.url);
  client.send({ a: 'subscribe', v: [INFY, NIFTY] });
  await waitFor('snapshots', () => client.packetsOf(INFY).length > 0 && client.packetsOf(NIFTY).length > 0);
  const history = new SimHistory(7);
  for (const token of [INFY, NIFTY]) {
    const state = history.startState(universe.find((i) => i.token === token)!, historyFrom);
    const { tick } = client.packetsOf(token)[0]!;
    // Past 09:15 IST the history's day is over and the live market opens the next one.
    const sameDay = tradingDay(Date.parse(tick.timestamp)) === state.day;
    assert.equal(tick.ohlc!.close, sameDay ? state.previousClose : state.lastPrice);
    if (sameDay) assert.equal(tick.ohlc!.open, state.open);
    assert.ok(Math.abs(tick.lastPrice - state.lastPrice) < 0.03 * state.lastPrice, `${state.lastPrice} → ${tick.lastPrice}`);
  }
});

test('rejects bad options', { timeout: 15_000 }, async () => {
  const base = { universe, apiKey: KEY, accessToken: TOKEN };
  await assert.rejects(startSimTickerServer({ ...base, ticksPerSecond: 0 }), RangeError);
  await assert.rejects(startSimTickerServer({ ...base, frameIntervalMs: -1 }), RangeError);
  await assert.rejects(startSimTickerServer({ ...base, accessToken: '' }), RangeError);
  await assert.rejects(startSimTickerServer({ ...base, historyFrom: Date.UTC(2026, 0, 5, 3, 45, 30) }), /historyFrom/);
  await assert.rejects(startSimTickerServer({ ...base, universe: [universe[0]!, universe[0]!] }), /duplicate token/);
});
