/** The broker page's store against a real agent on the simulated market. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { createBrokerStore } from '../../../renderer/src/stores/broker-store';
import { sleep, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, shareAgent } from '../helpers/agent-socket';

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 1 }, (shared) => ({ agent, connection } = shared));

test('refresh shows the simulated market\'s session', async () => {
  const store = createBrokerStore(connection);
  assert.equal(store.getState().broker, null);
  await store.getState().refresh();
  const broker = store.getState().broker!;
  assert.equal(store.getState().error, null);
  assert.deepEqual(broker, await agent.api.call('getBroker'), 'as the agent says');
  assert.equal(broker.provider, 'sim');
  assert.equal(broker.session, 'logged-in');
  assert.equal(broker.credentials, null, 'no API key for the simulated market');
  assert.equal(broker.redirectUrl, null);
  assert.equal(typeof broker.instruments.count, 'number');
  assert.ok(broker.instruments.count > 0);
  assert.deepEqual(broker.instruments.expired, []);
});

test('kite-only actions refuse on the simulated market with a clear code, and change nothing', async () => {
  const store = createBrokerStore(connection);
  await store.getState().refresh();
  const before = store.getState();
  const raw = await agent.request('GET', '/api/v1/broker/login-url');
  assert.equal(raw.status, 409);
  const actions: Array<[string, () => Promise<unknown>]> = [
    ['loginUrl', () => store.getState().loginUrl()],
    ['saveCredentials', () => store.getState().saveCredentials('abcdef123456', 'secret-secret-secret')],
    ['logout', () => store.getState().logout()],
  ];
  for (const [what, action] of actions) {
    await assert.rejects(action(), (error: unknown) => {
      assert.ok(error instanceof ApiError, what);
      assert.equal(error.code, 'conflict', what);
      assert.equal(error.message, raw.body.error.message, what);
      assert.match(error.message, /--provider kite/);
      return true;
    });
    assert.equal(store.getState(), before, `${what}: the store did not change`);
  }
});

test('refreshInstruments downloads the list again and refreshes the state', async () => {
  const store = createBrokerStore(connection);
  await store.getState().refresh();
  const before = store.getState().broker!;
  await sleep(5);
  await store.getState().refreshInstruments();
  const after = store.getState().broker!;
  assert.notEqual(after, before, 'a new state');
  assert.equal(after.instruments.count, before.instruments.count);
  assert.ok(after.instruments.refreshedAt !== null && (before.instruments.refreshedAt === null || after.instruments.refreshedAt > before.instruments.refreshedAt), `${before.instruments.refreshedAt} → ${after.instruments.refreshedAt}`);
});

test('watch polls; a failed poll keeps the last state and says why', async () => {
  const store = createBrokerStore(connection, 30);
  let updates = 0;
  store.subscribe(() => updates++);
  const stop = store.getState().watch();
  await waitFor('polls', () => updates >= 3 && store.getState().broker !== null);
  stop();

  const nobody = connectForTest('http://127.0.0.1:1', TEST_TOKEN);
  try {
    const unreachable = createBrokerStore(nobody);
    await unreachable.getState().refresh();
    assert.equal(unreachable.getState().broker, null);
    assert.equal(unreachable.getState().error?.code, 'unavailable');
  } finally {
    nobody.close();
  }
});
