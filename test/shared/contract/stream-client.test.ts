/**
 * The shared stream client against a real agent: typed subscriptions, binary ticks decoded by
 * name, refused requests as ApiErrors, and a restart of the agent survived by reconnecting and
 * subscribing again to everything it had.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { StreamClient, type WebSocketLike } from '../../../shared/contract/stream-client';
import { ApiError } from '../../../shared/errors';
import type { Tick } from '../../../shared/tick';
import { startTestAgent, TEST_TOKEN, waitFor } from '../../helpers/test-agent';

const connect = (url: string, protocols: string[]) => new WebSocket(url, protocols, { perMessageDeflate: false }) as unknown as WebSocketLike;

test('subscribes, decodes binary ticks by name, and comes back after the agent restarts', { timeout: 60_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-client-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let agent = await startTestAgent({ dataDir, workers: 1, simTicksPerSecond: 20 });
  t.after(() => agent.stop());
  await agent.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });

  const client = new StreamClient({ url: agent.agent.url, token: TEST_TOKEN, format: 'binary', connect, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  t.after(() => client.close());
  const ticks: Tick[] = [];
  const states: string[] = [];
  let reconnects = 0;
  client.on('ticks', (batch) => ticks.push(...batch));
  client.on('state', (state) => states.push(state));
  client.on('reconnected', () => reconnects++);

  const reply = await client.subscribe('ticks', { instruments: ['NSE:INFY', 'NSE:INFY'] });
  assert.deepEqual(reply.instruments, ['NSE:INFY']);
  assert.deepEqual(reply.inactive, []);
  await waitFor('INFY ticks', () => ticks.some((tick) => tick.instrument === 'NSE:INFY'));
  assert.ok(ticks.every((tick) => tick.instrument === 'NSE:INFY' && tick.mode === 'full' && tick.depth !== undefined), 'only what was asked, decoded in full');

  // A refused request rejects with the agent's error and is not made again after a reconnect.
  await assert.rejects(client.subscribe('ticks', { instruments: ['NSE:NOPE'] }), (error: unknown) => error instanceof ApiError && error.code === 'unknown_instrument');

  const port = agent.agent.port;
  await agent.stop();
  await waitFor('the client to notice', () => states.includes('reconnecting'));
  agent = await startTestAgent({ dataDir, workers: 1, simTicksPerSecond: 20, port });
  await waitFor('the client to reconnect and subscribe again', () => reconnects === 1, 15_000);
  const before = ticks.length;
  await waitFor('ticks again', () => ticks.length > before + 3, 10_000);
  assert.ok(ticks.slice(before).every((tick) => tick.instrument === 'NSE:INFY'), 'the same subscription, no more');
  const consumers = (await agent.api.call('getTicker')).consumers;
  assert.deepEqual(consumers.map((c) => [c.format, c.instruments]), [['binary', 1]], 'one consumer, one instrument: NOPE was not replayed');

  await client.unsubscribe('ticks', { instruments: ['NSE:INFY'] });
  assert.equal((await agent.api.call('getTicker')).consumers[0]!.instruments, 0);
});

test('requests made while disconnected wait for the connection; close rejects what still waits', async () => {
  const sockets: Array<{ protocols: string[] }> = [];
  const fake: WebSocketLike = { binaryType: '', readyState: 0, send: () => undefined, close: () => undefined, onopen: null, onmessage: null, onclose: null, onerror: null };
  const client = new StreamClient({
    url: 'http://127.0.0.1:1/',
    token: TEST_TOKEN,
    connect: (_url, protocols) => {
      sockets.push({ protocols });
      return fake;
    },
  });
  assert.deepEqual(sockets[0]!.protocols, ['algodeck.v1', `bearer.${TEST_TOKEN}`], 'browsers authenticate by subprotocol');
  const pending = client.subscribe('ticks', { all: true });
  client.close();
  await assert.rejects(pending, (error: unknown) => error instanceof ApiError && error.code === 'unavailable');
  await assert.rejects(client.ping(), /closed/);
});

/** A socket the test plays the agent on: it sees what the client sends and answers by hand. */
class FakeSocket implements WebSocketLike {
  binaryType = '';
  readyState = 1;
  sent: any[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  deliver(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  welcome() {
    this.deliver({ type: 'welcome', version: 'test', format: 'json', topics: ['ticks'] });
  }
  /** Answers the last request of `type` with `reply` (its id added). */
  answer(type: string, reply: Record<string, unknown>) {
    const request = [...this.sent].reverse().find((m) => m.type === type);
    this.deliver({ ...reply, id: request.id });
  }
  drop() {
    this.onclose?.({ code: 1006, reason: '' });
  }
}

function fakeClient() {
  const sockets: FakeSocket[] = [];
  const client = new StreamClient({
    url: 'http://127.0.0.1:1',
    token: TEST_TOKEN,
    connect: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    reconnect: { initialDelayMs: 1, maxDelayMs: 2 },
  });
  return { client, sockets, last: () => sockets.at(-1)! };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

test('what is made again after a reconnect follows what the agent accepted, in order', async () => {
  const { client, sockets, last } = fakeClient();
  last().welcome();
  const subscribed = client.subscribe('ticks', { instruments: ['NSE:A', 'NSE:B'] });
  const unsubscribed = client.unsubscribe('ticks', { instruments: ['NSE:A'] });
  last().answer('subscribe', { type: 'subscribed', topic: 'ticks', instruments: ['NSE:A', 'NSE:B'], tokens: {}, inactive: [] });
  last().answer('unsubscribe', { type: 'unsubscribed', topic: 'ticks', instruments: ['NSE:A'] });
  await Promise.all([subscribed, unsubscribed]);
  // An unsubscribe the agent refuses changes nothing.
  const refused = client.unsubscribe('ticks', { instruments: ['NSE:B', 'NSE:NOPE'] });
  last().answer('unsubscribe', { type: 'error', error: { code: 'unknown_instrument', message: 'Unknown instrument: NSE:NOPE.', details: { unknown: ['NSE:NOPE'] } } });
  await assert.rejects(refused, (error: unknown) => error instanceof ApiError && error.code === 'unknown_instrument');

  last().drop();
  await waitFor('a new connection', () => sockets.length === 2);
  last().welcome();
  await flushed();
  assert.deepEqual(last().sent.map((m) => [m.type, m.instruments]), [['subscribe', ['NSE:B']]]);
  client.close();
});

test('ticks carried (carry, mode) are made again carried, each in the richest mode asked; plain ones plain', async () => {
  const { client, sockets, last } = fakeClient();
  last().welcome();
  const asks = [
    client.subscribe('ticks', { instruments: ['NSE:A', 'NSE:B'], carry: true, mode: 'ltp' }),
    client.subscribe('ticks', { instruments: ['NSE:B'], carry: true, mode: 'full' }),
    client.subscribe('ticks', { instruments: ['NSE:B', 'NSE:C'] }),
    client.subscribe('ticks', { instruments: ['NSE:D'], carry: true }),
  ];
  for (let i = 0; i < asks.length; i++) {
    const request = last().sent[i];
    last().deliver({ type: 'subscribed', topic: 'ticks', instruments: request.instruments, tokens: {}, inactive: [], id: request.id });
  }
  await Promise.all(asks);
  last().drop();
  await waitFor('a new connection', () => sockets.length === 2);
  last().welcome();
  await flushed();
  const replayed = last().sent.map((m) => ({ instruments: [...m.instruments].sort(), carry: m.carry, mode: m.mode }));
  replayed.sort((a, b) => a.instruments[0].localeCompare(b.instruments[0]));
  assert.deepEqual(replayed, [
    { instruments: ['NSE:A'], carry: true, mode: 'ltp' },
    { instruments: ['NSE:B'], carry: true, mode: 'full' },
    { instruments: ['NSE:C'], carry: undefined, mode: undefined },
    { instruments: ['NSE:D'], carry: true, mode: 'quote' },
  ]);
  client.close();
});

test('a replayed subscription drops instruments the agent no longer lists, keeps the rest, and says it reconnected', async () => {
  const { client, sockets, last } = fakeClient();
  let reconnected = 0;
  client.on('reconnected', () => reconnected++);
  last().welcome();
  const subscribed = client.subscribe('ticks', { instruments: ['NSE:A', 'NSE:GONE'] });
  last().answer('subscribe', { type: 'subscribed', topic: 'ticks', instruments: ['NSE:A', 'NSE:GONE'], tokens: {}, inactive: [] });
  await subscribed;
  last().drop();
  await waitFor('a new connection', () => sockets.length === 2);
  last().welcome();
  last().answer('subscribe', { type: 'error', error: { code: 'unknown_instrument', message: 'Unknown instrument: NSE:GONE.', details: { unknown: ['NSE:GONE'] } } });
  await flushed();
  assert.deepEqual(last().sent.at(-1).instruments, ['NSE:A'], 'the rest is made again');
  last().answer('subscribe', { type: 'subscribed', topic: 'ticks', instruments: ['NSE:A'], tokens: {}, inactive: [] });
  await waitFor('reconnected', () => reconnected === 1);
  last().drop();
  await waitFor('a third connection', () => sockets.length === 3);
  last().welcome();
  await flushed();
  assert.deepEqual(last().sent.map((m) => m.instruments), [['NSE:A']], 'the dropped one is not tried again');
  client.close();
});

test('after close nothing reopens the client, and no timer outlives it', async () => {
  const { client, last } = fakeClient();
  const socket = last();
  client.close();
  assert.equal(socket.closed, true);
  assert.equal(socket.onmessage, null, 'a socket still closing cannot deliver');
  socket.deliver({ type: 'welcome', version: 'test', format: 'json', topics: ['ticks'] });
  assert.equal(client.connectionState, 'closed');
  await assert.rejects(client.ping(), (error: unknown) => error instanceof ApiError && error.code === 'unavailable');
  const off = client.on('ticks', () => undefined);
  off();
  off(); // twice is harmless
});
