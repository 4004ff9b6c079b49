import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Principal } from '../../../shared/contract/scopes';
import type { Order } from '../../../shared/order';
import { AlgoOwners } from '../../../agent/orders/algo-owners';
import { accessOf, ordersTopic } from '../../../agent/orders/order-access';
import type { StreamPeer } from '../../../agent/stream/stream-core';

function owners(): AlgoOwners {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE algo_agents (algo TEXT PRIMARY KEY, agent TEXT NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID;`);
  return new AlgoOwners(db);
}

const SELF = 'aaaaaaaaaaaaaaaa';
const M1 = '1111111111111111';
const M2 = '2222222222222222';

test("an algo's name binds to the agent of its first order: tasks, members and the trader", () => {
  const kept = owners();
  const context = { owners: kept, selfId: SELF, taskName: (id: string) => ({ t1: 'ema', t2: 'pairs' })[id]!, agentName: (id: string) => ({ [M1]: 'm1', [M2]: 'm2' })[id] ?? id };
  const task = accessOf({ kind: 'task', taskId: 't1' }, context);
  assert.equal(task.mayAct('ema'), true, 'a local task may act for its algo before it traded');
  assert.equal(task.mayAct('pairs'), false);
  assert.throws(() => task.claim('pairs'), { code: 'forbidden', field: 'algo' });
  task.claim('ema');
  assert.equal(kept.of('ema'), SELF);

  const m1 = accessOf({ kind: 'member', agentId: M1 }, context);
  assert.equal(m1.mayAct('breakout'), false, 'a member sees nothing of an algo before it traded');
  m1.claim('breakout');
  assert.equal(m1.mayAct('breakout'), true);
  assert.deepEqual(m1.algos(), ['breakout']);
  assert.throws(() => m1.claim('ema'), (error: Error & { code?: string }) => error.code === 'forbidden' && /agent aaaa/.test(error.message));
  const m2 = accessOf({ kind: 'member', agentId: M2, algo: 'breakout' }, context);
  assert.throws(() => m2.claim('breakout'), /trades from agent m1/);
  assert.equal(m2.mayAct('breakout'), false);
  assert.deepEqual(m2.algos(), []);
  // A local task named like a member's algo does not reach it.
  kept.claim('pairs', M2, context.agentName);
  assert.equal(accessOf({ kind: 'task', taskId: 't2' }, context).mayAct('pairs'), false);

  for (const trader of [{ kind: 'owner' }, { kind: 'session', sessionId: 's' }] as Principal[]) {
    const access = accessOf(trader, context);
    assert.equal(access.all, true);
    assert.equal(access.mayAct('breakout'), true);
    access.claim('breakout');
    assert.equal(kept.of('breakout'), M1, 'the trader acts for a member’s algo without taking its name');
  }
  accessOf({ kind: 'owner' }, context).claim('manual');
  assert.equal(kept.of('manual'), SELF, "a free name the trader uses becomes this agent's");
  assert.throws(() => accessOf({ kind: 'member', agentId: M2 }, context).claim('manual'), /trades from agent/, 'no member takes over the trader’s own algo');
  assert.equal(kept.release(M1), 1);
  assert.equal(accessOf({ kind: 'member', agentId: M2 }, context).mayAct('breakout'), false);
  accessOf({ kind: 'member', agentId: M2 }, context).claim('breakout');
  assert.equal(kept.of('breakout'), M2, 'a forgotten agent’s names are free');
});

test('the orders topic sends each subscriber only the orders of algos it may see', () => {
  const topic = ordersTopic((principal) => (algo) => principal?.kind !== 'task' || algo === 'ema');
  const heard = new Map<string, unknown[]>();
  const peer = (name: string): StreamPeer => ({ format: 'json', reply: (m) => heard.set(name, [...(heard.get(name) ?? []), m]), send: () => undefined, bufferedAmount: () => 0 });
  const owner = peer('owner');
  const algo = peer('algo');
  topic.handler.open(owner, { kind: 'owner' }).subscribe({} as never);
  const session = topic.handler.open(algo, { kind: 'task', taskId: 't1' });
  session.subscribe({} as never);
  assert.equal(topic.listened, true);
  const order = (id: string, of: string) => ({ id, algo: of }) as Order;
  topic.publish([order('1', 'ema'), order('2', 'pairs')]);
  topic.publish([order('3', 'pairs')]);
  assert.deepEqual(heard.get('owner')!.map((m) => (m as { orders: Order[] }).orders.map((o) => o.id)), [['1', '2'], ['3']]);
  assert.deepEqual(heard.get('algo')!.map((m) => (m as { orders: Order[] }).orders.map((o) => o.id)), [['1']], 'nothing of another algo, not even an empty message');
  session.close();
  topic.publish([order('4', 'ema')]);
  assert.equal(heard.get('algo')!.length, 1);
});

test('algos that traded before names were bound become this agent’s at start', () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE algo_agents (algo TEXT PRIMARY KEY, agent TEXT NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID; CREATE TABLE orders (id TEXT PRIMARY KEY, algo TEXT NOT NULL);
           INSERT INTO orders VALUES ('o1', 'old'), ('o2', 'old'), ('o3', 'bound');`);
  const kept = new AlgoOwners(db);
  kept.claim('bound', M1, (id) => id);
  assert.equal(kept.adoptUnbound(SELF), 1);
  assert.equal(kept.of('old'), SELF);
  assert.equal(kept.of('bound'), M1, 'a bound name stays its agent’s');
  assert.equal(new AlgoOwners(db).of('old'), SELF, 'kept');
});
