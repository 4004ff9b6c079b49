import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { KiteWsProvider, type KiteWsProviderOptions } from '../../../agent/ticker/kite-ws-provider';
import type { ProviderConfig } from '../../../agent/ticker/provider';
import { kiteFrame } from '../../helpers/kite-frame';
import { KiteTestServer, Recorder, sleep, waitFor, type ServerOptions } from './kite-ws-provider-server';

const epochNow = () => performance.timeOrigin + performance.now();

async function setup(
  t: TestContext,
  serverOptions: ServerOptions = {},
  config: Partial<ProviderConfig> = {},
  options: KiteWsProviderOptions = {},
) {
  const server = await KiteTestServer.start(serverOptions);
  const recorder = new Recorder();
  const provider = new KiteWsProvider(
    { kind: 'kite-ws', url: server.url, apiKey: 'key', accessToken: 'token', reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...config },
    recorder,
    options,
  );
  t.after(async () => {
    await provider.close();
    await server.close();
  });
  return { server, recorder, provider };
}


test('connects with credentials in the query, X-Kite-Version 3 and no compression', async (t) => {
  const server = await KiteTestServer.start();
  const recorder = new Recorder();
  const config = { kind: 'kite-ws', url: `${server.url}?feed=sim`, apiKey: 'k e&y', accessToken: 't/+=ä' } as const;
  const provider = new KiteWsProvider(config, recorder);
  t.after(async () => {
    await provider.close();
    await server.close();
  });
  assert.equal(provider.stats().connected, false);
  provider.connect();
  await waitFor('connected', () => provider.stats().connected);
  const [attempt] = server.attempts;
  assert.equal(attempt?.url.searchParams.get('feed'), 'sim', 'the url keeps its own query');
  assert.equal(attempt?.url.searchParams.get('api_key'), 'k e&y');
  assert.equal(attempt?.url.searchParams.get('access_token'), 't/+=ä');
  assert.equal(attempt?.headers['x-kite-version'], '3');
  assert.equal(attempt?.headers['sec-websocket-extensions'], undefined);
  assert.deepEqual(recorder.states.map((s) => s.state), ['connecting', 'connected']);
});

test('sends subscribe then mode, chunked, and validates tokens', async (t) => {
  const { server, provider } = await setup(t);
  provider.subscribe([256265, 408065], 'full'); // before connecting: sent on connect
  provider.connect();
  await waitFor('replay', () => server.connections[0]?.messages.length === 2);
  const sent = server.connections[0]!.messages;
  assert.deepEqual(sent, [{ a: 'subscribe', v: [256265, 408065] }, { a: 'mode', v: ['full', [256265, 408065]] }]);

  const many = Array.from({ length: 2500 }, (_, i) => i + 1);
  provider.subscribe(many, 'ltp');
  provider.setMode([999_999], 'full'); // not subscribed: nothing to send
  provider.setMode([408065], 'quote');
  provider.unsubscribe([256265, 999_998]);
  await waitFor('all messages', () => sent.length === 2 + 6 + 2);
  const chunks = sent.slice(2, 8) as Array<{ a: string; v: unknown[] }>;
  assert.deepEqual(chunks.map((m) => m.a), ['subscribe', 'subscribe', 'subscribe', 'mode', 'mode', 'mode']);
  assert.deepEqual(chunks.slice(0, 3).flatMap((m) => m.v), many);
  assert.deepEqual(chunks.slice(3).flatMap((m) => m.v[1] as number[]), many);
  assert.ok(chunks.slice(3).every((m) => m.v[0] === 'ltp'));
  assert.deepEqual(sent.slice(8), [{ a: 'mode', v: ['quote', [408065]] }, { a: 'unsubscribe', v: [256265] }]);

  for (const bad of [0, -1, 1.5, 2 ** 31, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => provider.subscribe([5, bad], 'ltp'), RangeError);
    assert.throws(() => provider.unsubscribe([bad]), RangeError);
    assert.throws(() => provider.setMode([bad], 'ltp'), RangeError);
  }
  await sleep(20);
  assert.equal(sent.length, 10, 'a rejected call sends nothing');
});

test('forwards valid frames intact with a receipt time; drops heartbeats and bad frames', async (t) => {
  const { server, recorder, provider } = await setup(t);
  provider.connect();
  await waitFor('connection', () => recorder.count('connected') === 1);
  const one = kiteFrame([408065, 'full'], [256265, 'quote']);
  const two = kiteFrame([408065, 'ltp']);
  const before = epochNow();
  const ws = server.connections[0]!.ws;
  ws.send(Uint8Array.of(0));
  ws.send(one);
  ws.send(one.subarray(0, one.length - 1)); // cut short
  ws.send(two);
  await waitFor('frames', () => recorder.frames.length === 2);
  const after = epochNow();
  assert.deepEqual(new Uint8Array(recorder.frames[0]!.bytes), one);
  assert.deepEqual(new Uint8Array(recorder.frames[1]!.bytes), two);
  for (const { receivedAt } of recorder.frames) assert.ok(receivedAt >= before && receivedAt <= after, `${receivedAt}`);
  assert.deepEqual(provider.stats(), { framesReceived: 2, packetsReceived: 3, badFrames: 1, reconnects: 0, connected: true });
  assert.equal(recorder.notices.length, 1);
  assert.match(recorder.notices[0]!.text, /malformed.*cut short/);
});

test('a flood of bad frames is counted but its notices are rate-limited', async (t) => {
  const { server, recorder, provider } = await setup(t);
  provider.connect();
  await waitFor('connection', () => recorder.count('connected') === 1);
  const ws = server.connections[0]!.ws;
  for (let i = 0; i < 300; i++) ws.send(Uint8Array.of(0, 1, 0, 9, 1, 2));
  ws.send(kiteFrame([408065, 'ltp']));
  await waitFor('good frame', () => recorder.frames.length === 1);
  assert.equal(provider.stats().badFrames, 300);
  assert.ok(recorder.notices.length <= 5, `${recorder.notices.length} notices`);
  assert.equal(provider.stats().connected, true);
});

test('uses the injected receipt clock, and survives a throwing frame listener', async (t) => {
  const { server, recorder, provider } = await setup(t, {}, {}, { now: () => 1234.5 });
  let calls = 0;
  recorder.frame = (_bytes, receivedAt) => {
    assert.equal(receivedAt, 1234.5);
    if (++calls === 1) throw new Error('consumer bug');
  };
  provider.connect();
  await waitFor('connection', () => recorder.count('connected') === 1);
  server.connections[0]!.ws.send(kiteFrame([408065, 'ltp']));
  server.connections[0]!.ws.send(kiteFrame([408065, 'ltp']));
  await waitFor('both frames', () => calls === 2);
  assert.match(recorder.notices[0]?.text ?? '', /failed to handle a broker frame: consumer bug/);
});

test('text frames become notices, order updates go to the listener; unreadable text does not crash', async (t) => {
  const { server, recorder, provider } = await setup(t);
  provider.connect();
  await waitFor('connection', () => recorder.count('connected') === 1);
  const ws = server.connections[0]!.ws;
  ws.send(JSON.stringify({ type: 'error', data: "Can't subscribe to more than 3000 instruments." }));
  ws.send(JSON.stringify({ type: 'message', data: 'maintenance at 8' }));
  ws.send(JSON.stringify({ type: 'order', data: { order_id: '1', status: 'COMPLETE' } }));
  ws.send(JSON.stringify({ type: 'order', data: { order_id: '2', status: 'OPEN', tag: 'o7', quantity: 3, filled_quantity: 1, average_price: 10.5, exchange: 'NSE' } }));
  ws.send('not json {');
  ws.send('42');
  await waitFor('notices', () => recorder.notices.length === 5 && recorder.orders.length === 1);
  assert.deepEqual(recorder.notices.slice(0, 2), [
    { level: 'error', text: "Can't subscribe to more than 3000 instruments." },
    { level: 'message', text: 'maintenance at 8' },
  ]);
  assert.equal(recorder.notices[2]!.level, 'error');
  assert.match(recorder.notices[2]!.text, /^malformed order update from broker \(quantity: .*\): \{"order_id":"1","status":"COMPLETE"\}$/);
  assert.deepEqual(recorder.orders, [{ orderId: '2', status: 'OPEN', statusMessage: null, tag: 'o7', quantity: 3, filledQuantity: 1, averagePrice: 10.5 }]);
  assert.match(recorder.notices[3]!.text, /unreadable text frame/);
  assert.match(recorder.notices[4]!.text, /unknown text frame/);
  assert.ok(recorder.notices.slice(3).every((n) => n.level === 'error'));
  assert.equal(provider.stats().connected, true);
});

test('reconnects after a drop and replays the desired state, changes while down included', async (t) => {
  const { server, recorder, provider } = await setup(t);
  recorder.onState = (state) => {
    if (state !== 'reconnecting') return;
    recorder.onState = undefined;
    provider.subscribe([4], 'ltp');
    provider.unsubscribe([2]);
    provider.setMode([1], 'full');
  };
  provider.subscribe([1, 2], 'quote');
  provider.subscribe([3], 'full');
  provider.connect();
  await waitFor('first replay', () => server.connections[0]?.messages.length === 3);
  server.connections[0]!.ws.terminate();
  await waitFor('second replay', () => (server.connections[1]?.messages.length ?? 0) >= 3);
  assert.deepEqual(server.connections[1]!.messages, [
    { a: 'subscribe', v: [1, 3, 4] },
    { a: 'mode', v: ['full', [1, 3]] },
    { a: 'mode', v: ['ltp', [4]] },
  ]);
  assert.equal(server.connections[0]!.messages.length, 3, 'nothing sent while down');
  assert.equal(provider.stats().reconnects, 1);
  assert.match(recorder.states.find((s) => s.state === 'reconnecting')?.detail ?? '', /closed.*retrying in \d+ ms/);
});

/** The delays the provider chose, from its `reconnecting` states (`…; retrying in N ms`). */
const delaysOf = (recorder: Recorder) =>
  recorder.states.filter((s) => s.state === 'reconnecting').map((s) => Number(/retrying in (\d+) ms/.exec(s.detail ?? '')?.[1]));

/**
 * Timing, judged by what the provider decided rather than by how late the machine ran it: with
 * the jitter source fixed at 0 every delay is exactly half its ceiling, so the delays it reports
 * are known in advance, and real time only has to be long enough for things to happen.
 */
describe('timing', { concurrency: true }, () => {
  const noJitter = { random: () => 0 };

  test('idle watchdog: heartbeats keep the link, silence reconnects', async (t) => {
    let beating = true;
    const { server, recorder, provider } = await setup(t, {
      onConnection: ({ ws }, index) => {
        if (index > 0) return;
        const beat = setInterval(() => (beating ? ws.send(Uint8Array.of(0)) : clearInterval(beat)), 20);
        ws.on('close', () => clearInterval(beat));
      },
    }, { idleTimeoutMs: 400 }, noJitter);
    provider.connect();
    await sleep(1_000);
    assert.equal(server.attempts.length, 1, 'heartbeats feed the watchdog');
    assert.equal(recorder.frames.length, 0, 'heartbeats are not forwarded');
    beating = false;
    await waitFor('reconnect', () => server.attempts.length === 2, 5_000);
    const quiet = Number(/no data for (\d+) ms/.exec(recorder.states.find((s) => s.state === 'reconnecting')?.detail ?? '')?.[1]);
    assert.ok(quiet >= 400, `reconnected after ${quiet} ms of silence, not before the 400 ms limit`);
  });

  test('A refused upgrade (HTTP 503) is reported and retried with doubling delays up to the cap, and close() ends the retries', async (t) => {
    const { server, recorder, provider } = await setup(t, { rejectWith: 503 }, { reconnect: { initialDelayMs: 30, maxDelayMs: 240 } }, noJitter);
    provider.connect();
    await waitFor('six refusals', () => delaysOf(recorder).length >= 6, 5_000);
    assert.deepEqual(delaysOf(recorder).slice(0, 6), [15, 30, 60, 120, 120, 120]);
    assert.equal(recorder.count('connected'), 0);
    assert.match(recorder.states[1]?.detail ?? '', /^HTTP 503 on upgrade; retrying in/);
    await provider.close();
    const seen = server.attempts.length;
    await sleep(300); // longer than the longest delay: an attempt left scheduled would show
    assert.equal(server.attempts.length, seen, 'no attempt after close()');
    assert.deepEqual(recorder.states.at(-1), { state: 'closed', detail: undefined });
  });

  test('accept-then-drop does not reset the backoff on open', async (t) => {
    const { recorder, provider } = await setup(t, {
      onConnection: ({ ws }) => setTimeout(() => ws.terminate(), 50),
    }, { reconnect: { initialDelayMs: 30, maxDelayMs: 240 } }, noJitter);
    provider.connect();
    await waitFor('five connections that opened', () => recorder.count('connected') >= 5, 5_000);
    // Resetting on open would retry after 15 ms every time.
    assert.deepEqual(delaysOf(recorder).slice(0, 4), [15, 30, 60, 120]);
  });

  test('a connection that stays up resets the backoff', async (t) => {
    const { recorder, provider } = await setup(t, {
      onConnection: ({ ws }, index) => {
        const hold = index < 4 ? 5 : index === 4 ? 600 : -1;
        if (hold >= 0) setTimeout(() => ws.terminate(), hold);
      },
    }, { reconnect: { initialDelayMs: 30, maxDelayMs: 240 } }, { ...noJitter, stableAfterMs: 150 });
    provider.connect();
    await waitFor('five drops', () => delaysOf(recorder).length === 5, 5_000);
    // Four quick drops escalate; the fifth connection stayed up past stableAfterMs, so the next delay starts over.
    assert.deepEqual(delaysOf(recorder), [15, 30, 60, 120, 15]);
  });
});

test('HTTP 403 waits for a new access token without retrying; the new one resumes with the subscriptions', async (t) => {
  const { server, recorder, provider } = await setup(t, { rejectWith: (url) => (url.searchParams.get('access_token') === 'fresh' ? undefined : 403) });
  provider.subscribe([256265], 'full');
  provider.connect();
  await waitFor('unauthorized', () => recorder.count('unauthorized') === 1);
  assert.match(recorder.states.at(-1)!.detail!, /^HTTP 403: access token rejected; waiting for a new login/);
  await sleep(300); // ten times the first retry delay: a retry would show
  assert.equal(server.attempts.length, 1, 'a refused token is not tried again');
  provider.setCredentials('key', 'fresh');
  await waitFor('connected', () => recorder.count('connected') === 1);
  assert.equal(server.attempts.at(-1)!.url.searchParams.get('access_token'), 'fresh');
  await waitFor('replay', () => server.connections[0]!.messages.length === 2);
  assert.deepEqual(server.connections[0]!.messages, [{ a: 'subscribe', v: [256265] }, { a: 'mode', v: ['full', [256265]] }]);
});

test('without an access token it waits unauthorized; a logout (null) disconnects and waits', async (t) => {
  const { server, recorder, provider } = await setup(t, {}, { accessToken: undefined });
  provider.connect();
  assert.deepEqual(recorder.states, [{ state: 'unauthorized', detail: 'no access token yet: log in to the broker' }]);
  await sleep(100);
  assert.equal(server.attempts.length, 0);
  provider.setCredentials('key', 'day-token');
  await waitFor('connected', () => recorder.count('connected') === 1);
  provider.setCredentials('key', null);
  await waitFor('unauthorized again', () => recorder.count('unauthorized') === 2);
  assert.match(recorder.states.at(-1)!.detail!, /logged out; waiting for a new login/);
  await waitFor('server saw the close', () => server.connections[0]!.ws.readyState === server.connections[0]!.ws.CLOSED);
  await sleep(200);
  assert.equal(server.attempts.length, 1, 'no reconnect after a logout');
});

test('a 403 for a token older than the current one is retried with the current one, not waited on', async (t) => {
  const { server, recorder, provider } = await setup(t, { rejectWith: (url) => (url.searchParams.get('access_token') === 'token' ? 403 : undefined), rejectAfterMs: 150 });
  provider.connect();
  await waitFor('the first attempt', () => server.attempts.length === 1);
  provider.setCredentials('key', 'morning'); // the login lands while the old token's upgrade is answered
  await waitFor('connected with the new token', () => recorder.count('connected') === 1);
  assert.equal(recorder.count('unauthorized'), 0);
  assert.equal(server.attempts.at(-1)!.url.searchParams.get('access_token'), 'morning');
});

test('a logout and a login before connect leave no stale wait behind', async (t) => {
  const { server, recorder, provider } = await setup(t, {}, { accessToken: undefined });
  provider.setCredentials('key', null);
  provider.setCredentials('key', 'day-token');
  provider.connect();
  await waitFor('connected', () => recorder.count('connected') === 1);
  server.connections[0]!.ws.terminate(); // an ordinary drop is retried, not taken for a refusal
  await waitFor('reconnected', () => recorder.count('connected') === 2);
  assert.equal(recorder.count('unauthorized'), 0);
});

test('HTTP 429 is reported as too many connections', async (t) => {
  const { recorder, provider } = await setup(t, { rejectWith: 429 });
  provider.connect();
  await waitFor('reconnecting', () => recorder.count('reconnecting') === 1);
  assert.match(recorder.states[1]!.detail!, /^HTTP 429: too many connections/);
});

test('close() closes the socket, is idempotent, and leaves no handles behind', async (t) => {
  const { server, recorder, provider } = await setup(t);
  // Sockets and timers are what a provider could leak (a closing server of an earlier test may linger).
  const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
  const baseline = handles();
  provider.subscribe([1], 'ltp');
  provider.connect();
  await waitFor('connection', () => recorder.count('connected') === 1);
  let closeCode = 0;
  server.connections[0]!.ws.on('close', (code) => (closeCode = code));
  const first = provider.close();
  assert.equal(provider.close(), first);
  await first;
  assert.equal(recorder.count('closed'), 1);
  assert.equal(provider.stats().connected, false);
  provider.subscribe([0], 'ltp'); // no-op after close, not even a throw
  provider.connect();
  await waitFor('server-side close', () => closeCode === 1000);
  // A timer of an earlier test may expire meanwhile, so fewer than before is fine too.
  await waitFor('handles released', () => handles() <= baseline);
  await sleep(100);
  assert.equal(server.attempts.length, 1);
  assert.equal(server.connections[0]!.messages.length, 2);
});

test('close() before connect, and during a stalled handshake', async (t) => {
  const { server, recorder, provider } = await setup(t, { stall: true });
  const idle = new KiteWsProvider({ kind: 'kite-ws', url: server.url, apiKey: 'k', accessToken: 't' }, recorder);
  await idle.close();
  idle.connect();
  assert.deepEqual(recorder.states, [{ state: 'closed', detail: undefined }]);
  provider.connect();
  await waitFor('attempt', () => server.attempts.length === 1);
  const started = performance.now();
  await provider.close();
  assert.ok(performance.now() - started < 500);
  assert.deepEqual(recorder.states.map((s) => s.state), ['closed', 'connecting', 'closed']);
  await sleep(100);
  assert.equal(server.attempts.length, 1);
});

test('instances are independent: one connection and one subscription set each', async (t) => {
  const { server, recorder, provider } = await setup(t);
  const other = new KiteWsProvider({ kind: 'kite-ws', url: server.url, apiKey: 'key', accessToken: 'token' }, new Recorder());
  t.after(() => other.close());
  provider.subscribe([1], 'ltp');
  other.subscribe([2], 'full');
  provider.connect();
  other.connect();
  await waitFor('two replays', () => server.connections.length === 2 && server.connections.every((c) => c.messages.length === 2));
  const subscribed = server.connections.map((c) => c.messages[0]);
  assert.deepEqual(subscribed.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [
    { a: 'subscribe', v: [1] },
    { a: 'subscribe', v: [2] },
  ]);
  await other.close();
  assert.equal(provider.stats().connected, true);
  assert.equal(recorder.count('closed'), 0);
});

test('pause holds frames back without the watchdog reconnecting; resume delivers them', async (t) => {
  const { server, recorder, provider } = await setup(t, {}, { idleTimeoutMs: 100 });
  provider.connect();
  await waitFor('connected', () => provider.stats().connected);
  const ws = server.connections[0]!.ws;
  provider.pause();
  const sender = setInterval(() => ws.send(kiteFrame([408065, 'ltp'])), 20);
  t.after(() => clearInterval(sender));
  await sleep(400); // four idle timeouts: a watchdog that ignored the pause would reconnect
  assert.equal(recorder.frames.length, 0, 'nothing is read while paused');
  assert.equal(server.attempts.length, 1, 'no reconnect during the pause');
  assert.equal(provider.stats().connected, true);
  provider.resume();
  await waitFor('the held frames', () => recorder.frames.length >= 15);
  clearInterval(sender);
  assert.equal(server.attempts.length, 1);
});

test('a pause asked for while connecting holds for the new socket', async (t) => {
  const { server, recorder, provider } = await setup(t, { onConnection: (c) => c.ws.send(kiteFrame([408065, 'ltp'])) });
  provider.pause();
  provider.connect();
  await waitFor('connected', () => provider.stats().connected);
  await sleep(100);
  assert.equal(recorder.frames.length, 0);
  provider.resume();
  await waitFor('the first frame', () => recorder.frames.length === 1);
  assert.equal(server.attempts.length, 1);
});
