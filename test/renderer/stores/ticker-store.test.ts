/** The ticker page's store against a real agent: actions replace the state with the agent's answer; refusals throw its error and change nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { createTickerStore } from '../../../renderer/src/stores/ticker-store';
import { resetTicker, sleep, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, shareAgent } from '../helpers/agent-socket';

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 2 }, (shared) => ({ agent, connection } = shared));

const instrumentsOf = (state: { subscriptions: Array<{ instrument: string; mode: string }> }) => state.subscriptions.map((s) => `${s.instrument}/${s.mode}`).sort();
const liveWorkers = (state: { workers: Array<{ state: string }> }) => state.workers.filter((w) => w.state !== 'stopping').length;

test('refresh loads the agent\'s state; subscribe, unsubscribe and setWorkers replace it with the answer', async () => {
  await resetTicker(agent.api, { workers: 2 });
  const store = createTickerStore(connection);
  assert.equal(store.getState().ticker, null);
  assert.equal(store.getState().updatedAt, null);

  const t0 = Date.now();
  await store.getState().refresh();
  const loaded = store.getState();
  assert.equal(loaded.error, null);
  assert.deepEqual(loaded.ticker!.subscriptions, []);
  assert.equal(liveWorkers(loaded.ticker!), 2);
  assert.ok(loaded.updatedAt! >= t0 && loaded.updatedAt! <= Date.now());

  const answer = await store.getState().subscribe(['NSE:INFY', 'NSE:TCS'], 'full');
  assert.equal(store.getState().ticker, answer, 'the answer is the state');
  assert.deepEqual(instrumentsOf(answer), ['NSE:INFY/full', 'NSE:TCS/full']);
  assert.deepEqual(instrumentsOf(await agent.api.call('getTicker')), ['NSE:INFY/full', 'NSE:TCS/full'], 'and the agent agrees');

  await store.getState().subscribe(['NSE:TCS'], 'ltp');
  assert.deepEqual(instrumentsOf(store.getState().ticker!), ['NSE:INFY/full', 'NSE:TCS/ltp'], 're-moded in place');

  const removed = await store.getState().unsubscribe(['NSE:TCS']);
  assert.deepEqual(instrumentsOf(removed), ['NSE:INFY/full']);
  assert.deepEqual(instrumentsOf(store.getState().ticker!), ['NSE:INFY/full']);

  const resized = await store.getState().setWorkers(3);
  assert.equal(liveWorkers(resized), 3);
  assert.equal(liveWorkers(store.getState().ticker!), 3);
  await store.getState().setWorkers(1);
  assert.equal(liveWorkers(store.getState().ticker!), 1);
});

test('a refusal throws the agent\'s ApiError and leaves the store as it was', async () => {
  await resetTicker(agent.api, { instruments: ['NSE:INFY'], workers: 2 });
  const store = createTickerStore(connection);
  await store.getState().refresh();
  const before = store.getState();
  const agentBefore = instrumentsOf(await agent.api.call('getTicker'));
  assert.equal(agentBefore.length, 1);

  const cases: Array<[string, () => Promise<unknown>, string, unknown]> = [
    ['an unknown instrument', () => store.getState().subscribe(['NSE:INFY', 'NSE:NOPE'], 'full'), 'POST /api/v1/ticker/subscriptions', { instruments: ['NSE:INFY', 'NSE:NOPE'], mode: 'full' }],
    ['no workers', () => store.getState().setWorkers(0), 'PUT /api/v1/ticker/workers', { count: 0 }],
    ['half a worker', () => store.getState().setWorkers(1.5), 'PUT /api/v1/ticker/workers', { count: 1.5 }],
    ['nothing to subscribe', () => store.getState().subscribe([], 'quote'), 'POST /api/v1/ticker/subscriptions', { instruments: [], mode: 'quote' }],
    ['an unknown one to unsubscribe', () => store.getState().unsubscribe(['NSE:NOPE']), 'DELETE /api/v1/ticker/subscriptions', { instruments: ['NSE:NOPE'] }],
  ];
  for (const [what, action, route, body] of cases) {
    const [method, path] = route.split(' ') as [string, string];
    const raw = await agent.request(method, path, { body: JSON.stringify(body) });
    assert.ok(raw.status >= 400, `${what}: the agent refuses it (${raw.status})`);
    await assert.rejects(action(), (error: unknown) => {
      assert.ok(error instanceof ApiError, `${what}: ${String(error)}`);
      assert.equal(error.code, raw.body.error.code, what);
      assert.equal(error.message, raw.body.error.message, what);
      assert.equal(error.field, raw.body.error.field, what);
      return true;
    });
    assert.equal(store.getState(), before, `${what}: the store did not change`);
  }
  assert.deepEqual(instrumentsOf(await agent.api.call('getTicker')), agentBefore, 'nor did the agent');
});

test('a failed refresh keeps the last state and says why', async () => {
  await resetTicker(agent.api, { instruments: ['NSE:INFY'], workers: 2 });
  const store = createTickerStore(connection);
  await store.getState().refresh();
  const ticker = store.getState().ticker;
  const updatedAt = store.getState().updatedAt;

  // The same store's calls, against an agent that refuses this token…
  const wrongToken = connectForTest(agent.agent.url, 'wrong-token-0123456789abcdef');
  const nobody = connectForTest('http://127.0.0.1:1', TEST_TOKEN);
  try {
    const refused = createTickerStore(wrongToken);
    await refused.getState().refresh();
    assert.equal(refused.getState().ticker, null);
    assert.equal(refused.getState().error?.code, 'unauthorized');
    // …and against nothing at all.
    const unreachable = createTickerStore(nobody);
    await unreachable.getState().refresh();
    assert.deepEqual(unreachable.getState().error, { code: 'unavailable', message: 'The agent cannot be reached.' });
  } finally {
    wrongToken.close();
    nobody.close();
  }

  assert.equal(store.getState().ticker, ticker);
  assert.equal(store.getState().updatedAt, updatedAt);
  assert.equal(store.getState().error, null);
});

test('watch polls while watched and stops when released', async () => {
  await resetTicker(agent.api, { workers: 2 });
  const store = createTickerStore(connection, 40);
  const seen: number[] = [];
  store.subscribe((state) => {
    if (state.updatedAt !== null && state.updatedAt !== seen.at(-1)) seen.push(state.updatedAt);
  });
  const stop = store.getState().watch();
  await waitFor('a first state at once', () => store.getState().ticker !== null, 2_000);
  // A change made elsewhere shows without asking.
  await agent.api.call('subscribe', { instruments: ['NSE:WIPRO'], mode: 'ltp' });
  await waitFor('the change to show', () => store.getState().ticker!.subscriptions.some((s) => s.instrument === 'NSE:WIPRO'), 2_000);
  await waitFor('several polls', () => seen.length >= 3, 2_000);
  stop();
  await sleep(60); // a poll in flight may still land
  const polls = seen.length;
  await sleep(200);
  assert.equal(seen.length, polls, 'no poll after the watch ended');
});
