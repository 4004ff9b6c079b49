/** The agent's own store (health, session, password) against a real agent, and the password rules as typed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { createAgentStore, passwordProblem } from '../../../renderer/src/stores/agent-store';
import { sleep, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, shareAgent } from '../helpers/agent-socket';

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 1 }, (shared) => ({ agent, connection } = shared));

test('refresh: health and session, stamped with the local time', async () => {
  const store = createAgentStore(connection);
  assert.equal(store.getState().url, agent.agent.url);
  assert.equal(store.getState().health, null);
  const t0 = Date.now();
  await store.getState().refresh();
  const { health, session, healthAt, error } = store.getState();
  assert.equal(error, null);
  assert.equal(health!.status, 'ok');
  assert.equal(health!.version, (await agent.api.call('health')).version);
  assert.ok(Number.isFinite(health!.uptimeSeconds) && health!.uptimeSeconds >= 0);
  assert.ok(healthAt! >= t0 && healthAt! <= Date.now());
  assert.deepEqual(session, { principal: 'owner', expiresAt: null, passwordSet: false });
});

test('setPassword: refused when too short (the store keeps its session), then set', async () => {
  const store = createAgentStore(connection);
  await store.getState().refresh();
  const session = store.getState().session;
  await assert.rejects(store.getState().setPassword('short'), (error: unknown) => error instanceof ApiError && error.code === 'invalid_request' && error.field === 'password');
  await assert.rejects(store.getState().setPassword('p'.repeat(257)), (error: unknown) => error instanceof ApiError && error.code === 'invalid_request');
  assert.equal(store.getState().session, session);
  await store.getState().setPassword('correct horse battery');
  assert.equal(store.getState().session!.passwordSet, true);
  assert.equal((await agent.api.call('getSession')).passwordSet, true);
});

test('watch polls health until released; an unreachable agent is an error to show', async () => {
  const store = createAgentStore(connection, 30);
  const stamps = new Set<number>();
  store.subscribe((state) => state.healthAt !== null && stamps.add(state.healthAt));
  const stop = store.getState().watch();
  await waitFor('polls', () => stamps.size >= 2);
  stop();
  await sleep(50);
  const seen = stamps.size;
  await sleep(150);
  assert.equal(stamps.size, seen, 'no poll after the watch ended');

  const nobody = connectForTest('http://127.0.0.1:1', TEST_TOKEN);
  try {
    const unreachable = createAgentStore(nobody);
    await unreachable.getState().refresh();
    assert.deepEqual(unreachable.getState().error, { code: 'unavailable', message: 'The agent cannot be reached.' });
    assert.equal(unreachable.getState().health, null);
  } finally {
    nobody.close();
  }
});

test('passwordProblem: length first, then whether the two agree; empty says nothing yet', () => {
  const cases: Array<[string, string, string | null]> = [
    ['', '', null],
    ['', 'anything', null],
    ['x', '', 'At least 10 characters.'],
    ['x'.repeat(9), 'x'.repeat(9), 'At least 10 characters.'],
    ['x'.repeat(10), '', null],
    ['x'.repeat(10), 'x'.repeat(10), null],
    ['x'.repeat(10), 'x'.repeat(9), 'The two passwords differ.'],
    ['x'.repeat(10), 'X'.repeat(10), 'The two passwords differ.'],
    ['x'.repeat(256), 'x'.repeat(256), null],
    ['x'.repeat(257), 'x'.repeat(257), 'At most 256 characters.'],
    ['correct horse ', 'correct horse', 'The two passwords differ.'],
  ];
  for (const [password, repeat, expected] of cases) assert.equal(passwordProblem(password, repeat), expected, `${password.length} / ${repeat.length}`);
});

test('passwordProblem agrees with the agent at the limits', async () => {
  // Limits the agent enforces, checked against what the form says (no password is set: too short and too long are refused).
  for (const password of ['x'.repeat(9), 'x'.repeat(257)]) {
    const answer = await agent.request('PUT', '/api/v1/session/password', { body: JSON.stringify({ password }) });
    assert.equal(answer.status, 400, `${password.length} characters`);
    assert.notEqual(passwordProblem(password, password), null, `${password.length} characters`);
  }
});
