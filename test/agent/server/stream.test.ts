import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { connect } from 'node:net';
import pino from 'pino';
import WebSocket from 'ws';
import { RawStreamClient } from '../../helpers/raw-stream-client';
import { resetTicker, startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { sleep } from '../../helpers/wait';

let t: TestAgent;
const clients: RawStreamClient[] = [];
const open = async (options: Parameters<typeof RawStreamClient.open>[1] = { token: TEST_TOKEN }) => {
  const client = await RawStreamClient.open(t.agent.url, options);
  clients.push(client);
  return client;
};

/** What the agent logged at info and above. */
const logged: Array<{ level: number; msg: string; lost?: number; consumer?: number }> = [];
const warnings = { filter: (match: (line: { msg: string }) => boolean) => logged.filter((line) => line.level >= 40 && match(line)) };
before(async () => {
  const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  t = await startTestAgent({ simInstruments: 300, simTicksPerSecond: 20, hub: { highWaterBytes: 64 * 1024, lowWaterBytes: 8 * 1024 }, streamMaxBufferedBytes: 4 * 1024 * 1024, log });
});
beforeEach(() => resetTicker(t.api, { instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:NIFTY 50'], mode: 'full' }));
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t.stop();
});

test('the stream refuses a missing or wrong token, a wrong path and an unknown format', async () => {
  const url = t.agent.url.replace('http', 'ws');
  const status = (target: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(target, protocols, options);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => undefined);
    });
  assert.equal(await status(`${url}/api/v1/stream`), 401);
  assert.equal(await status(`${url}/api/v1/stream`, { headers: { authorization: 'Bearer nope-nope-nope-nope' } }), 401);
  assert.equal(await status(`${url}/api/v1/stream`, {}, ['algodeck.v1', 'bearer.wrong-wrong-wrong']), 401);
  assert.equal(await status(`${url}/api/v1/elsewhere`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } }), 404);
  assert.equal(await status(`${url}/api/v1/stream?format=xml`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } }), 400);
});

test('hostile upgrade requests are refused and never take the agent down', async () => {
  const { port } = new URL(t.agent.url);
  const upgrade = (path: string, extra = '') =>
    new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      });
      let reply = '';
      socket.on('data', (d) => (reply += d));
      socket.on('close', () => resolve(reply.split('\r\n')[0] ?? ''));
      socket.on('error', () => resolve(reply.split('\r\n')[0] ?? 'error'));
      setTimeout(() => socket.destroy(), 2000);
    });
  const auth = `Authorization: Bearer ${TEST_TOKEN}\r\n`;
  const cases: Array<[string, string, RegExp]> = [
    ['//', '', /^HTTP\/1\.1 (400|404)/],
    ['///', auth, /^HTTP\/1\.1 (400|404)/],
    ['//@', auth, /^HTTP\/1\.1 (400|404)/],
    ['/\\', auth, /^HTTP\/1\.1 (400|404)/],
    ['//api/v1/stream', auth, /^HTTP\/1\.1 404/],
    ['/api/v1/stream?format=%ZZ', auth, /^HTTP\/1\.1 400/],
    ['/api/v1/stream?format=json&format=binary', auth, /^HTTP\/1\.1 (101|400)/],
    [`/api/v1/stream?${'a=1&'.repeat(2000)}`, '', /^HTTP\/1\.1 (401|431)/],
    ['/api/v1/stream', 'Authorization: Bearer \r\n', /^HTTP\/1\.1 401/],
  ];
  for (const [path, headers, expected] of cases) assert.match(await upgrade(path, headers), expected, path.slice(0, 40));
  const health = await fetch(`${t.agent.url}/api/v1/health`);
  assert.equal(health.status, 200, 'the agent is still up');
});

test('a browser-style client authenticates with a bearer subprotocol and gets JSON ticks', async () => {
  const client = await open({ protocols: ['algodeck.v1', `bearer.${TEST_TOKEN}`] });
  assert.equal(client.ws.protocol, 'algodeck.v1', 'the token is never echoed back as the protocol');
  const welcome = await client.next('welcome');
  assert.equal(welcome.format, 'json');
  const reply = await client.request({ type: 'subscribe', instruments: ['NSE:INFY', 'NSE:ITC'] });
  assert.equal(reply.type, 'subscribed');
  if (reply.type !== 'subscribed' || reply.topic !== 'ticks') return;
  assert.deepEqual(reply.tokens, { 'NSE:INFY': 408065, 'NSE:ITC': 424961 });
  assert.deepEqual(reply.inactive, ['NSE:ITC'], 'ITC is not in the ticker, and the client is told');
  await waitFor('INFY ticks', () => client.ticks.length >= 3);
  assert.ok(client.ticks.every((tick) => tick.instrument === 'NSE:INFY'));
  const tick = client.ticks[0]!;
  assert.equal(tick.mode, 'full');
  assert.ok(tick.receivedAt > Date.now() - 60_000 && tick.receivedAt <= Date.now() + 1);
  assert.equal(tick.depth!.sell.length, 5);
});

test('binary clients decode the same ticks; unsubscribe and "all" work', async () => {
  const client = await open({ token: TEST_TOKEN, format: 'binary' });
  await client.request({ type: 'subscribe', instruments: ['NSE:TCS', 'NSE:NIFTY 50'] });
  await waitFor('ticks of both', () => new Set(client.ticks.map((x) => x.instrument)).size === 2);
  const index = client.ticks.find((x) => x.instrument === 'NSE:NIFTY 50')!;
  assert.equal(index.tradable, false);
  assert.ok(index.ohlc!.high >= index.ohlc!.low);
  await client.request({ type: 'unsubscribe', instruments: ['NSE:TCS', 'NSE:NIFTY 50'] });
  await sleep(150);
  const count = client.ticks.length;
  await sleep(300);
  assert.equal(client.ticks.length, count, 'no ticks after unsubscribing');
  await client.request({ type: 'subscribe', all: true });
  await waitFor('ticks of all three', () => new Set(client.ticks.slice(count).map((x) => x.token)).size === 3);
});

test('bad messages get an error reply with a stable code and the connection stays usable', async () => {
  const client = await open();
  const cases: Array<[string | Buffer, string]> = [
    ['not json', 'invalid_json'],
    ['{"type":"subscribe"}', 'invalid_request'],
    ['{"type":"subscribe","instruments":["NSE:INFY"],"all":true}', 'invalid_request'],
    ['{"type":"subscribe","instruments":"NSE:INFY"}', 'invalid_request'],
    ['{"type":"subscribe","instruments":["INFY"]}', 'invalid_request'],
    ['{"type":"subscribe","instruments":["NSE:NOPE"]}', 'unknown_instrument'],
    ['{"type":"launch"}', 'invalid_request'],
    ['[1,2,3]', 'invalid_request'],
    ['null', 'invalid_request'],
    [Buffer.from([1, 2, 3]), 'invalid_request'],
  ];
  for (const [message, code] of cases) {
    const from = client.messages.length;
    client.ws.send(message);
    const reply = await client.next('error', from);
    assert.equal(reply.error.code, code, `for ${String(message)}`);
  }
  const pong = await client.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
});

test('a client that keeps asking without reading the replies is cut off; others are not', { timeout: 30_000 }, async () => {
  const greedy = await open();
  const other = await open();
  const socket = (greedy.ws as unknown as { _socket: { pause(): void } })._socket;
  socket.pause();
  const closed = new Promise((resolve) => greedy.ws.once('close', resolve));
  const request = JSON.stringify({ type: 'subscribe', all: true }); // each reply carries every token
  for (let i = 0; i < 6000 && greedy.ws.readyState === WebSocket.OPEN; i++) {
    greedy.ws.send(request);
    if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await closed;
  const pong = await other.request({ type: 'ping' });
  assert.equal(pong.type, 'pong', 'the agent and its other clients carry on');
  const cutOff = warnings.filter((w) => /does not read the replies/.test(w.msg));
  assert.equal(cutOff.length, 1, 'one warning for one client, however many requests it had queued');
});

test('a slow consumer is conflated and told it lagged, while a fast one gets every tick', async () => {
  const ids = (await t.api.call('listInstruments', { search: 'SIM', limit: 300 })).instruments.map((i) => i.id);
  await t.api.call('subscribe', { instruments: ids, mode: 'full' });
  const fast = await open({ token: TEST_TOKEN, format: 'binary' });
  const slow = await open({ token: TEST_TOKEN, format: 'binary' });
  await fast.request({ type: 'subscribe', instruments: ids });
  await slow.request({ type: 'subscribe', instruments: ids });
  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause(); // the slow consumer stops reading: its agent-side buffer fills up
  await waitFor('the hub to mark the slow consumer lagging', () => t.agent.hub.stats().some((s) => s.lagging), 10_000);
  const fastBefore = fast.ticks.length;
  await sleep(500);
  assert.ok(fast.ticks.length - fastBefore > 1000, 'the fast consumer keeps getting ticks');
  const lagging = t.agent.hub.stats().find((s) => s.lagging)!;
  socket.resume();
  const lagged = await slow.next('lagged', 0, 10_000);
  assert.ok(lagged.conflated > 0);
  assert.match(lagged.message, /fell behind/);
  await waitFor('the slow consumer to catch up', () => !t.agent.hub.stats().find((s) => s.id === lagging.id)?.lagging);
  const after = slow.ticks.length;
  await waitFor('fresh ticks for the recovered consumer', () => slow.ticks.length > after + 100);
  const fastStats = t.agent.hub.stats().filter((s) => s.id !== lagging.id);
  assert.ok(fastStats.every((s) => s.conflated === 0), 'no consumer that keeps up lost a tick');
  await t.api.call('unsubscribe', { instruments: ids });
});

test('a consumer that leaves while lagging shows its losses as they grow, and the log says what it lost', async () => {
  const ids = (await t.api.call('listInstruments', { search: 'SIM', limit: 300 })).instruments.map((i) => i.id);
  await t.api.call('subscribe', { instruments: ids, mode: 'full' });
  const slow = await open({ token: TEST_TOKEN, format: 'binary' });
  await slow.request({ type: 'subscribe', instruments: ids });
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const id = await waitFor('it to lag', () => t.agent.hub.stats().find((s) => s.lagging)?.id, 10_000);
  const losing = await waitFor('the API to show what it is losing', async () => {
    const consumer = (await t.api.call('getTicker')).consumers.find((c) => c.id === id);
    return consumer && consumer.lagging && consumer.conflated > 0 ? consumer : undefined;
  });
  slow.ws.terminate();
  const line = await waitFor('the log line', () => logged.find((l) => l.consumer === id && /left having missed/.test(l.msg)));
  assert.ok(line.lost! >= losing.conflated, `logged ${line.lost}, the API had shown ${losing.conflated}`);
  assert.equal((await t.api.call('getTicker')).consumers.some((c) => c.id === id), false);
});
