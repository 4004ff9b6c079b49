/**
 * The risk store against a real agent on the simulated market: the summary polled and refreshed
 * when a trading state changes (the `risk` topic), the limits (partial; a refusal names its
 * field and changes nothing), the kill switch's preview counts and its result, and the history;
 * and the question its confirm asks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { createRiskStore, killSwitchQuestion, type KillSwitchPreview } from '../../../renderer/src/stores/risk-store';
import { TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, newGate, shareAgent } from '../helpers/agent-socket';

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 1, simTicksPerSecond: 5 }, (shared) => ({ agent, connection } = shared));

async function withPrices(ids: string[]) {
  await agent.api.call('subscribe', { instruments: ids, mode: 'full' });
  await waitFor('prices', async () => Object.keys((await agent.api.call('getQuotes', { instruments: ids })).quotes).length === ids.length, 10_000);
}

test('the kill switch\'s question names what engaging does with the options chosen', () => {
  const preview = (fields: Partial<KillSwitchPreview>): KillSwitchPreview => ({ openOrders: 12, openPositions: 5, runningAlgos: 3, agents: 2, problems: [], ...fields });
  const cases: Array<[KillSwitchPreview | null, boolean, boolean, string]> = [
    [preview({}), false, false, 'Halt all trading and cancel 12 open orders?'],
    [preview({ openOrders: 1 }), false, false, 'Halt all trading and cancel 1 open order?'],
    [preview({ openOrders: 0 }), false, false, 'Halt all trading?'],
    [preview({}), true, false, 'Halt all trading, cancel 12 open orders and square off 5 positions?'],
    [preview({}), true, true, 'Halt all trading, cancel 12 open orders, square off 5 positions and stop 3 algos on 2 agents?'],
    [preview({ openOrders: 0, runningAlgos: 1, agents: 1 }), false, true, 'Halt all trading and stop 1 algo on 1 agent?'],
    [preview({ openOrders: 1234 }), false, false, 'Halt all trading and cancel 1,234 open orders?'],
    [null, false, false, 'Halt all trading and cancel every open order?'],
    [null, true, true, 'Halt all trading, cancel every open order, square off every position and stop every algo?'],
  ];
  for (const [counted, flatten, stopAlgos, question] of cases) assert.equal(killSwitchQuestion(counted, flatten, stopAlgos), question);
});

test('watch: the summary at once, then again when a trading state changes, with the change kept; release unsubscribes', async () => {
  const gate = newGate();
  const watched = connectForTest(agent.agent.url, TEST_TOKEN, gate);
  try {
    // A long poll: what arrives quickly arrives by the topic.
    const store = createRiskStore(watched, 60_000);
    const stop = store.getState().watch();
    await waitFor('the summary', () => store.getState().summary !== null, 5_000);
    const summary = store.getState().summary!;
    assert.deepEqual(Object.keys(summary).sort(), Object.keys(await agent.api.call('getRisk')).sort());
    assert.equal(summary.state.state, 'ACTIVE');
    await waitFor('subscribed', () => gate.sent.some((message) => message.type === 'subscribe' && message.topic === 'risk'));

    await agent.api.call('setKillSwitch', { engage: true });
    try {
      await waitFor('the change', () => store.getState().summary?.state.state === 'HALTED', 5_000);
      assert.equal(store.getState().summary!.state.killSwitch, true);
      const [change] = store.getState().changes;
      assert.deepEqual([change!.scope, change!.from, change!.to], ['global', 'ACTIVE', 'HALTED']);
      assert.equal(change!.reason, 'the kill switch is engaged');
    } finally {
      await agent.api.call('setKillSwitch', { engage: false });
    }
    await waitFor('released', () => store.getState().summary?.state.state === 'ACTIVE', 5_000);
    assert.equal(store.getState().changes.length, 2, 'newest first, both kept');
    assert.equal(store.getState().changes[0]!.to, 'ACTIVE');

    stop();
    await waitFor('unsubscribed', () => gate.sent.some((message) => message.type === 'unsubscribe' && message.topic === 'risk'));
  } finally {
    watched.close();
  }
});

test('limits: a partial change answers the limits in force and shows at once; a refused one names its field and changes nothing', async () => {
  const store = createRiskStore(connection, 60_000);
  await store.getState().refresh();
  const limits = await store.getState().setLimits({ algos: { swing: { maxRisk: 25_000, maxOrderQuantity: 40 } } });
  assert.deepEqual(limits.algos.swing, { maxRisk: 25_000, maxOrderQuantity: 40 });
  assert.deepEqual(store.getState().summary!.limits.algos.swing, { maxRisk: 25_000, maxOrderQuantity: 40 }, 'shown at once');
  await store.getState().setLimits({ algos: { swing: { maxOrderQuantity: null } } });
  assert.deepEqual(store.getState().summary!.limits.algos.swing, { maxRisk: 25_000 }, 'null removed only what it named');

  await store.getState().refresh(); // the refresh a change asks for, done
  const before = store.getState().summary;
  const raw = await agent.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { swing: { maxRisk: -1 } } }) });
  await assert.rejects(store.getState().setLimits({ algos: { swing: { maxRisk: -1 } } }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.deepEqual([error.code, error.field, error.message], ['invalid_request', 'algos.swing.maxRisk', raw.body.error.message]);
    return true;
  });
  assert.equal(store.getState().summary, before, 'the store did not change');
  assert.deepEqual((await agent.api.call('getRisk')).limits.algos.swing, { maxRisk: 25_000 }, 'nor did the agent');
  await store.getState().setLimits({ algos: { swing: null } });
  assert.equal(store.getState().summary!.limits.algos.swing, undefined);
});

test('the kill switch: its preview counts what it would act on; engaging answers what it did and the summary shows it; released the same way', async () => {
  await withPrices(['NSE:INFY', 'NSE:TCS']);
  const price = (await agent.api.call('getQuotes', { instruments: ['NSE:TCS'] })).quotes['NSE:TCS']!.lastPrice;
  await agent.api.call('placeOrder', { algo: 'kill', instrument: 'NSE:INFY', side: 'BUY', quantity: 4, type: 'MARKET' });
  const resting = await agent.api.call('placeOrder', { algo: 'kill', instrument: 'NSE:TCS', side: 'BUY', quantity: 1, type: 'LIMIT', price: Math.round(price * 0.5) });
  const store = createRiskStore(connection, 60_000);

  const open = (await agent.api.call('listOrders', { limit: 1000 })).orders.filter((order) => ['pending', 'open', 'partially_filled'].includes(order.state)).length;
  const held = (await agent.api.call('getPositions')).positions.filter((position) => position.quantity !== 0).length;
  const preview = await store.getState().previewKillSwitch();
  assert.deepEqual(preview, { openOrders: open, openPositions: held, runningAlgos: 0, agents: 0, problems: [] });
  assert.ok(open >= 1 && held >= 1);

  const result = await store.getState().setKillSwitch({ engage: true, flatten: true });
  assert.equal(result.cancelled, open);
  assert.equal(result.exits.length, held);
  assert.deepEqual([store.getState().summary!.state.state, store.getState().summary!.state.killSwitch], ['HALTED', true], 'the summary is the answer\'s');
  assert.equal((await agent.api.call('listOrders', { state: 'open' })).orders.some((order) => order.id === resting.id), false);
  const counted = await store.getState().previewKillSwitch();
  assert.deepEqual([counted.openOrders, counted.openPositions], [0, 0], 'nothing left to act on');

  const released = await store.getState().setKillSwitch({ engage: false });
  assert.equal(released.engaged, false);
  assert.deepEqual([store.getState().summary!.state.state, store.getState().summary!.state.killSwitch], ['ACTIVE', false]);
});

test('a preview counts what it can and says what it could not; history loads, and a refusal says why', async () => {
  const viewer = connectForTest(agent.agent.url, 'wrong-token-0123456789abcdef');
  try {
    const refused = createRiskStore(viewer);
    const preview = await refused.getState().previewKillSwitch();
    assert.deepEqual([preview.openOrders, preview.openPositions, preview.runningAlgos], [0, 0, 0]);
    assert.equal(preview.problems.length, 3, `orders, positions and algos each say why: ${preview.problems.join(' | ')}`);
    assert.ok(preview.problems.every((problem) => /^(orders|positions|algos): /.test(problem)));
    await refused.getState().refresh();
    assert.equal(refused.getState().error?.code, 'unauthorized');
  } finally {
    viewer.close();
  }

  await withPrices(['NSE:INFY']);
  await agent.api.call('placeOrder', { algo: 'history', instrument: 'NSE:INFY', side: 'BUY', quantity: 2, type: 'MARKET' });
  const high = await waitFor('today\'s high recorded', async () => (await agent.api.call('getRiskHistory', { days: 1 })).days[0]?.maxMoneyAtRiskByAlgo.history, 5_000);
  const store = createRiskStore(connection);
  await store.getState().loadHistory(5);
  assert.equal(store.getState().historyError, null);
  // Today's highs move as prices do: the sessions are the agent's, in its order.
  assert.deepEqual(store.getState().history!.map((day) => day.date), (await agent.api.call('getRiskHistory', { days: 5 })).days.map((day) => day.date));
  assert.ok(store.getState().history![0]!.maxMoneyAtRiskByAlgo.history! >= high, 'today\'s record has the high of the order above');
  assert.match(store.getState().history![0]!.date, /^\d{4}-\d{2}-\d{2}$/);
  const history = store.getState().history;
  await store.getState().loadHistory(0);
  assert.equal(store.getState().historyError?.code, 'invalid_request');
  assert.equal(store.getState().history, history, 'the last history stays shown');
});
