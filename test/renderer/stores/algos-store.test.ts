/**
 * The algos page's logic: the rows (tasks of the online agents joined by name with the risk
 * figures and today's orders, algos that are not tasks, the trading state that holds each),
 * the example algos never started; and the store against a real agent: the tasks of every
 * online agent followed live, start and stop, an algo's state read, a key deleted, all cleared.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Order } from '../../../shared/order';
import type { RiskSummary, StateInfo } from '../../../shared/risk';
import type { TaskInfo } from '../../../shared/task';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { algoRows, isLive, ordersByAlgo, tradingOf, untriedExamples } from '../../../renderer/src/stores/algo-rows';
import { createAlgosStore, onlineIds } from '../../../renderer/src/stores/algos-store';
import { createFleetStore } from '../../../renderer/src/stores/fleet-store';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, newGate, shareAgent } from '../helpers/agent-socket';

const NOW = Date.parse('2026-12-02T06:00:00.000Z'); // 11:30 IST
const task = (id: string, name: string, fields: Partial<TaskInfo> = {}) => ({ id, name, state: 'stopped', run: 1, labels: {}, ...fields }) as TaskInfo;
const figures = (dayPnl: number, state: StateInfo['state'] = 'ACTIVE', reason: string | null = null) => ({ state, reason, since: '2026-12-02T04:00:00.000Z', moneyAtRisk: 500, pnl: dayPnl, dayPnl, drawdown: 0, openPositions: 1 });
const globalState = (state: StateInfo['state'] = 'ACTIVE', killSwitch = false): RiskSummary['state'] => ({ state, reason: killSwitch ? 'the kill switch' : null, since: '2026-12-02T05:00:00.000Z', killSwitch });
const order = (algo: string, state: Order['state'], createdAt = '2026-12-02T05:00:00.000Z') => ({ id: `${algo}-${state}-${createdAt}`, algo, state, createdAt }) as Order;

const hub = { id: 'h1', name: 'laptop', hub: true, status: 'online' as const };
const mumbai = { id: 'm1', name: 'ec2-mumbai', hub: false, status: 'online' as const };
const frankfurt = { id: 'm2', name: 'ec2-frankfurt', hub: false, status: 'offline' as const };

test('the rows: tasks of the online agents joined by name with their figures and today\'s orders; algos that are not tasks too, manual orders not', () => {
  const rows = algoRows({
    agents: [hub, mumbai, frankfurt],
    tasks: { h1: [task('t1', 'swing', { state: 'running' }), task('t2', 'breakout')], m1: [task('t3', 'swing')], m2: [task('t4', 'gone')] },
    risk: { state: globalState(), algos: { swing: figures(1250.5), terminal: figures(-80), manual: figures(10) } },
    orders: [order('swing', 'filled'), order('swing', 'open'), order('swing', 'rejected'), order('swing', 'filled', '2026-12-01T09:00:00.000Z'), order('terminal', 'filled'), order('manual', 'filled'), order('refused-only', 'rejected')],
    now: NOW,
  });
  assert.deepEqual(rows.map((row) => [row.key, row.name, row.agent?.name ?? null, row.task?.id ?? null]), [
    ['h1:t2', 'breakout', 'laptop', 't2'],
    ['algo:refused-only', 'refused-only', null, null],
    ['h1:t1', 'swing', 'laptop', 't1'],
    ['m1:t3', 'swing', 'ec2-mumbai', 't3'],
    ['algo:terminal', 'terminal', null, null],
  ], 'by name, the hub first; the offline agent\'s task and the manual orders are not rows');
  const swing = rows[2]!;
  assert.equal(swing.figures?.dayPnl, 1250.5);
  assert.deepEqual(swing.orders, { today: 3, open: 1, refused: 1 }, 'yesterday\'s order is not today\'s');
  assert.equal(rows[3]!.figures?.dayPnl, 1250.5, 'an algo\'s figures are its name\'s, wherever it runs');
  assert.equal(rows[0]!.figures, null, 'never traded: no figures');
  assert.deepEqual(rows[0]!.orders, { today: 0, open: 0, refused: 0 });
  assert.deepEqual(rows[1]!.orders, { today: 1, open: 0, refused: 1 }, 'refused orders make an algo a row too');
  assert.deepEqual(algoRows({ agents: null, tasks: {}, risk: null, orders: null, now: NOW }), []);
  assert.deepEqual(algoRows({ agents: [hub], tasks: { h1: [task('t9', 'manual')] }, risk: null, orders: [order('manual', 'filled')], now: NOW }).map((row) => [row.key, row.orders.today]), [['h1:t9', 1]], 'a task named manual is a row');
});

test('the trading state that holds an algo: its own, or everything\'s when stricter, saying so', () => {
  assert.deepEqual(tradingOf(undefined, undefined), { state: 'ACTIVE', reason: null, since: null, global: false });
  assert.deepEqual(tradingOf(figures(0), globalState()), { state: 'ACTIVE', reason: null, since: null, global: false }, 'never moved: no since');
  assert.deepEqual(tradingOf(figures(0, 'REDUCING', 'daily loss limit'), globalState()), { state: 'REDUCING', reason: 'daily loss limit', since: '2026-12-02T04:00:00.000Z', global: false });
  assert.deepEqual(tradingOf(figures(0, 'REDUCING', 'daily loss limit'), globalState('HALTED', true)), { state: 'HALTED', reason: 'all algos: the kill switch is engaged', since: '2026-12-02T05:00:00.000Z', global: true });
  assert.deepEqual(tradingOf(figures(0, 'HALTED', 'by hand'), globalState('REDUCING')), { state: 'HALTED', reason: 'by hand', since: '2026-12-02T04:00:00.000Z', global: false }, 'its own when stricter');
  assert.equal(tradingOf(undefined, { ...globalState('REDUCING'), reason: 'outside the trading window' }).reason, 'all algos: outside the trading window');
});

test('today is IST\'s day, whatever the browser\'s zone', () => {
  const lateUtc = Date.parse('2026-12-01T19:00:00.000Z'); // 00:30 IST on 2 Dec
  assert.deepEqual(ordersByAlgo([order('a', 'filled', '2026-12-01T18:00:00.000Z'), order('a', 'pending', '2026-12-01T18:40:00.000Z')], lateUtc).get('a'), { today: 1, open: 1, refused: 0 });
});

test('the examples never started, and which tasks are live', () => {
  const example = (id: string, name: string, fields: Partial<TaskInfo> = {}) => task(id, name, { run: 0, labels: { example: 'yes', language: 'Python' }, ...fields });
  const found = untriedExamples([hub, mumbai, frankfurt], {
    h1: [example('a', 'pair-b'), example('b', 'breakout'), example('c', 'ma-crossover', { run: 2 }), task('d', 'mine', { run: 0 })],
    m1: [example('e', 'pair-a', { state: 'starting' })],
    m2: [example('f', 'offline-one')],
  });
  assert.deepEqual(found.map((entry) => [entry.agent.name, entry.task.name]), [['laptop', 'breakout'], ['laptop', 'pair-b']], 'started, starting, not an example or offline: not offered');
  assert.deepEqual((['running', 'starting', 'waiting', 'stopping', 'stopped', 'exited', 'errored'] as const).filter((state) => isLive({ state })), ['running', 'starting', 'waiting']);
  assert.deepEqual(onlineIds([hub, frankfurt, mumbai]), ['h1', 'm1']);
  assert.deepEqual(onlineIds(null), []);
});

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 1, simTicksPerSecond: 2 }, (shared) => ({ agent, connection } = shared));

const SLEEPER = ['-e', "setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));"];

test('the store follows every online agent\'s tasks live; start and stop answer with the task; release unsubscribes', async () => {
  const gate = newGate();
  const watched = connectForTest(agent.agent.url, TEST_TOKEN, gate);
  try {
    const fleet = createFleetStore(watched);
    const store = createAlgosStore(watched, fleet, 60_000);
    const before = await agent.api.call('createTask', { name: 'sleeper', command: 'node', args: SLEEPER, stopTimeoutSeconds: 2 } as never);
    const stop = store.getState().watch();
    const self = await waitFor('the agent', () => fleet.getState().agents?.[0]?.id, 5_000);
    await waitFor('its tasks', () => store.getState().tasks[self]?.some((t) => t.id === before.id), 5_000);
    assert.ok(gate.sent.some((message) => message.type === 'subscribe' && message.topic === 'tasks' && message.agent === self), 'through the agent, named');

    const later = await agent.api.call('createTask', { name: 'later', command: 'node', args: SLEEPER, stopTimeoutSeconds: 2 } as never);
    await waitFor('a new task, live', () => store.getState().tasks[self]?.some((t) => t.id === later.id), 5_000);
    await store.getState().startTask(self, before.id);
    assert.ok(['starting', 'running'].includes(store.getState().tasks[self]!.find((t) => t.id === before.id)!.state), 'the answer shows at once');
    await waitFor('running', () => store.getState().tasks[self]!.find((t) => t.id === before.id)!.state === 'running', 5_000);
    await store.getState().stopTask(self, before.id);
    assert.equal(store.getState().tasks[self]!.find((t) => t.id === before.id)!.state, 'stopped');
    await agent.api.call('deleteTask', { id: later.id });
    await waitFor('a removed task goes', () => !store.getState().tasks[self]!.some((t) => t.id === later.id), 5_000);

    stop();
    await waitFor('unsubscribed', () => gate.sent.some((message) => message.type === 'unsubscribe' && message.topic === 'tasks' && message.agent === self), 5_000);
    assert.deepEqual(store.getState().tasks, {}, 'nothing kept of what is not followed');
    await agent.api.call('deleteTask', { id: before.id });
    await assert.rejects(store.getState().startTask(self, before.id), (error: Error & { code?: string }) => error.code === 'not_found', 'the agent\'s refusal, as it is');
  } finally {
    watched.close();
  }
});

test('an algo\'s state: read from its agent, a key deleted, all cleared; a refusal is kept to show', async () => {
  const fleet = createFleetStore(connection);
  const store = createAlgosStore(connection, fleet, 60_000);
  const self = (await connection.api.call('listAgents')).agents[0]!.id;
  await agent.api.call('setAlgoState', { algo: 'keeper', values: { count: 8, position: { instrument: 'NSE:INFY', quantity: 4 }, old: 'x' } });
  const release = store.getState().watchState(self, 'keeper');
  try {
    await waitFor('the state', () => store.getState().state !== null, 5_000);
    assert.deepEqual(store.getState().state!.values, { count: 8, position: { instrument: 'NSE:INFY', quantity: 4 }, old: 'x' });
    assert.deepEqual([store.getState().state!.agentId, store.getState().state!.algo], [self, 'keeper']);

    await store.getState().deleteKeys(['old']);
    assert.deepEqual(Object.keys(store.getState().state!.values).sort(), ['count', 'position'], 'the answer is the state left');
    assert.deepEqual(Object.keys((await agent.api.call('getAlgoState', { algo: 'keeper' })).values).sort(), ['count', 'position']);
    await agent.api.call('setAlgoState', { algo: 'keeper', values: { count: 9 } });
    await store.getState().refreshState();
    assert.equal(store.getState().state!.values.count, 9, 'read again on asking');
    await store.getState().clearState();
    assert.deepEqual(store.getState().state!.values, {});
    assert.deepEqual((await agent.api.call('getAlgoState', { algo: 'keeper' })).values, {});
  } finally {
    release();
  }

  const other = store.getState().watchState(self, '-not-a-name');
  try {
    await waitFor('the refusal', () => store.getState().stateError !== null, 5_000);
    assert.equal(store.getState().stateError!.code, 'invalid_request');
    assert.equal(store.getState().state, null);
  } finally {
    other();
  }
});

test('through a hub: a member\'s tasks are followed too, dropped while it is offline and followed again when it is back', { timeout: 60_000 }, async () => {
  const fast = { fleetHeartbeatMs: 300, memberBackoff: { initialDelayMs: 100, maxDelayMs: 300 } };
  const joinToken = 'join-token-for-the-algos-store';
  const hubAgent = await startTestAgent({ name: 'laptop', workers: 1, fleet: { hub: true, joinToken }, ...fast });
  const memberDir = mkdtempSync(join(tmpdir(), 'algodeck-algos-member-'));
  let member = await startTestAgent({ dataDir: memberDir, name: 'ec2-mumbai', workers: 1, fleet: { join: { url: hubAgent.agent.url, token: joinToken } }, ...fast });
  const watched = connectForTest(hubAgent.agent.url, TEST_TOKEN);
  try {
    const onMember = await member.api.call('createTask', { name: 'remote', command: 'node', args: SLEEPER, stopTimeoutSeconds: 2 } as never);
    const fleet = createFleetStore(watched);
    const store = createAlgosStore(watched, fleet, 60_000);
    const stop = store.getState().watch();
    const memberId = await waitFor('the member online', () => fleet.getState().agents?.find((a) => a.name === 'ec2-mumbai' && a.status === 'online')?.id, 10_000);
    await waitFor('its tasks', () => store.getState().tasks[memberId]?.some((t) => t.id === onMember.id), 5_000);
    await store.getState().startTask(memberId, onMember.id);
    await waitFor('running on the member', () => store.getState().tasks[memberId]!.find((t) => t.id === onMember.id)!.state === 'running', 5_000);
    assert.equal((await member.api.call('listTasks')).tasks[0]!.state, 'running', 'started there');

    const port = member.agent.port;
    await member.stop();
    await waitFor('dropped while offline', () => store.getState().tasks[memberId] === undefined, 10_000);
    member = await startTestAgent({ dataDir: memberDir, port, name: 'ec2-mumbai', workers: 1, fleet: { join: { url: hubAgent.agent.url, token: joinToken } }, ...fast });
    await waitFor('followed again', () => store.getState().tasks[memberId]?.find((t) => t.id === onMember.id)?.state === 'running', 15_000);
    stop();
  } finally {
    watched.close();
    await member.stop();
    await hubAgent.stop();
    rmSync(memberDir, { recursive: true, force: true });
  }
});
