/**
 * An algo's state and carried instruments, on a real agent over real HTTP and a real websocket:
 * keys set and deleted, kept across the agent's restart, reached by an algo's own token only,
 * bad changes refused whole; a stream subscribe that carries starts ticks and candles flowing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AlgoState } from '../../../shared/contract/api';
import type { TaskInfo } from '../../../shared/task';
import { RawStreamClient } from '../../helpers/raw-stream-client';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

const TICKING = join(import.meta.dirname, '..', '..', 'fixtures', 'tasks', 'ticking.mjs');
const VIEWER = 'viewer-token-0123456789abcdef';

let t: TestAgent;
let dataDir: string;
let scratch: string;
const start = async () => {
  t = await startTestAgent({ dataDir });
  // A read-only token, as a shell could issue one: the agent itself issues none.
  t.agent.auth.add({ resolve: (token) => (token === VIEWER ? { kind: 'viewer' } : undefined) });
};
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'algodeck-algo-state-'));
  scratch = mkdtempSync(join(tmpdir(), 'algodeck-algo-state-scratch-'));
  await start();
});
after(async () => {
  await t.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

type Answer = { status: number; body: any };
const stateOf = (algo: string, token: string = TEST_TOKEN): Promise<Answer> => t.request('GET', `/api/v1/algos/${encodeURIComponent(algo)}/state`, { token });
const put = (algo: string, body: unknown, token: string = TEST_TOKEN): Promise<Answer> =>
  t.request('PUT', `/api/v1/algos/${encodeURIComponent(algo)}/state`, { token, body: JSON.stringify(body) });
const values = async (algo: string) => ((await stateOf(algo)).body as AlgoState).values;

test('keys are set, read and deleted; an algo with none has an empty state', async () => {
  assert.deepEqual((await stateOf('ma')).body, { algo: 'ma', values: {} });
  const set = await put('ma', { values: { position: { qty: 3 }, count: 7, note: 'héllo', flags: [true, false], zero: 0 } });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, { algo: 'ma', values: { count: 7, flags: [true, false], note: 'héllo', position: { qty: 3 }, zero: 0 } });
  const changed = await put('ma', { values: { count: 8, note: null, absent: null } });
  assert.deepEqual(changed.body, { algo: 'ma', values: { count: 8, flags: [true, false], position: { qty: 3 }, zero: 0 } }, 'null deletes; keys not named stay');
  assert.deepEqual((await stateOf('ma')).body, changed.body);
  assert.deepEqual((await put('ma', { values: {} })).body, changed.body, 'an empty change changes nothing');
  // Algos do not share keys.
  await put('Other Algo', { values: { count: 1 } });
  assert.deepEqual(await values('Other Algo'), { count: 1 });
  assert.equal((await values('ma')).count, 8);
  // The HTTP server refuses a body that could poison prototypes, before anything is looked at.
  const poisoned = await t.request('PUT', '/api/v1/algos/Other%20Algo/state', { body: '{"values":{"count":2,"__proto__":{"odd":true}}}' });
  assert.equal(poisoned.status, 400);
  assert.equal(poisoned.body.error.code, 'invalid_json');
  assert.deepEqual(await values('Other Algo'), { count: 1 });
  // The typed client reaches the same routes.
  assert.deepEqual(await t.api.call('setAlgoState', { algo: 'typed', values: { a: 1 } }), { algo: 'typed', values: { a: 1 } });
  assert.deepEqual(await t.api.call('getAlgoState', { algo: 'typed' }), { algo: 'typed', values: { a: 1 } });
});

test("a task's token reaches its own algo's state, and is refused another's", async () => {
  const file = join(scratch, 'env.json');
  const created = await t.request('POST', '/api/v1/tasks', { body: JSON.stringify({ name: 'trend', command: 'node', args: [TICKING, file], start: true }) });
  assert.equal(created.status, 201);
  const { id } = created.body as TaskInfo;
  const { env } = await waitFor('the task wrote its environment', () => existsSync(file) && readFileSync(file, 'utf8').length > 0 && (JSON.parse(readFileSync(file, 'utf8')) as { env: Record<string, string> }));
  const token = env.ALGODECK_TASK_TOKEN!;
  assert.equal(env.ALGODECK_TASK_NAME, 'trend');

  assert.deepEqual((await put('trend', { values: { step: 1 } }, token)).body, { algo: 'trend', values: { step: 1 } });
  assert.deepEqual((await stateOf('trend', token)).body, { algo: 'trend', values: { step: 1 } });
  await put('ma', { values: { guarded: true } });
  const before = await values('ma');
  for (const answer of [await stateOf('ma', token), await put('ma', { values: { count: 0 } }, token), await put('Trend', { values: { x: 1 } }, token)]) {
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'forbidden');
    assert.equal(answer.body.error.field, 'algo');
  }
  assert.deepEqual(await values('ma'), before, 'nothing changed');
  assert.deepEqual(await values('Trend'), {});
  assert.equal((await stateOf('trend', 'not-a-token-at-all-0123')).status, 401);
  assert.equal((await stateOf('trend', VIEWER)).status, 403, 'a viewer reads market data, not an algo’s state');

  // The algo's own writes stay out of the audit log; the owner's are there.
  const audit = (await t.api.call('getAudit', { method: 'setAlgoState' })).entries;
  assert.ok(audit.length > 0 && audit.every((entry) => entry.who === 'owner'), JSON.stringify(audit.map((e) => e.who)));
  await t.request('DELETE', `/api/v1/tasks/${id}`);
});

test('bad changes are refused with the field at fault, and nothing changes', async () => {
  await put('bad', { values: { keep: 1 } });
  const cases: Array<[unknown, string]> = [
    [{ values: { ok: 2, ['k'.repeat(129)]: 1 } }, `values.${'k'.repeat(129)}`],
    [{ values: { ok: 2, count: 'x'.repeat(64 * 1024) } }, 'values.count'],
    [{ values: { ok: 2, '': 1 } }, 'values'],
    [{ values: [1, 2] }, 'values'],
    [{ values: 'keep' }, 'values'],
    [{ values: null }, 'values'],
    [{}, 'values'],
    [{ values: { ok: 2 }, extra: 1 }, 'extra'],
    [{ values: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])) }, 'values'],
  ];
  for (const [body, field] of cases) {
    const answer = await put('bad', body);
    assert.equal(answer.status, 400, JSON.stringify(body).slice(0, 80));
    assert.equal(answer.body.error.code, 'invalid_request');
    assert.equal(answer.body.error.field, field, JSON.stringify(body).slice(0, 80));
  }
  assert.deepEqual(await values('bad'), { keep: 1 });
  const badName = await t.request('GET', '/api/v1/algos/..%2Fetc/state');
  assert.equal(badName.status, 400);
  assert.equal(badName.body.error.field, 'algo');
  assert.equal((await stateOf('x'.repeat(65))).body.error.field, 'algo');

  // At most 1,000 keys after a change: a change that would pass it changes nothing at all.
  const many = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`k${i}`, i]));
  assert.equal((await put('bad', { values: many })).status, 200);
  const over = await put('bad', { values: { k0: 'changed', one: 1, two: 2 } });
  assert.equal(over.status, 400);
  assert.equal(over.body.error.field, 'values');
  const after = await values('bad');
  assert.equal(Object.keys(after).length, 1000);
  assert.equal(after.k0, 0, 'the key the refused change named is as it was');
  assert.equal((await put('bad', { values: { k0: null, one: 1 } })).status, 200, 'a delete makes room in the same change');
  assert.equal(Object.keys(await values('bad')).length, 1000);
  const big = 'é'.repeat(30_000); // 60,000 bytes as JSON: under 64 KiB
  assert.equal((await put('bad', { values: { k1: big } })).status, 200);
  assert.equal((await values('bad')).k1, big);
});

test('subscribing with carry has the ticker carry the instruments, and ticks and candles flow', async () => {
  const carried = () => t.api.call('getTicker').then((state) => new Map(state.subscriptions.map((s) => [s.instrument, s.mode])));
  assert.equal((await carried()).has('NSE:INFY'), false);
  const client = await RawStreamClient.open(t.agent.url, { token: TEST_TOKEN });
  try {
    const plain = await client.request({ type: 'subscribe', topic: 'ticks', instruments: ['NSE:SBIN'] });
    assert.deepEqual((plain as { inactive: string[] }).inactive, ['NSE:SBIN'], 'without carry nothing is added');
    const reply = await client.request({ type: 'subscribe', topic: 'ticks', instruments: ['NSE:INFY'], carry: true });
    assert.equal(reply.type, 'subscribed');
    assert.deepEqual((reply as { inactive: string[] }).inactive, []);
    assert.equal((await carried()).get('NSE:INFY'), 'quote', 'the default mode is quote');
    await waitFor('ticks of the carried instrument', () => client.ticks.some((tick) => tick.instrument === 'NSE:INFY'), 10_000);
    assert.equal((await carried()).has('NSE:SBIN'), false);

    const full = await client.request({ type: 'subscribe', topic: 'ticks', instruments: ['NSE:TCS', 'NSE:INFY'], carry: true, mode: 'full' });
    assert.deepEqual((full as { inactive: string[] }).inactive, []);
    const modes = await carried();
    assert.equal(modes.get('NSE:TCS'), 'full');
    assert.equal(modes.get('NSE:INFY'), 'quote', 'an instrument carried already keeps its mode');

    const candles = await client.request({ type: 'subscribe', topic: 'candles', series: [{ instrument: 'NSE:ITC', interval: 'minute' }], carry: true });
    assert.deepEqual((candles as { inactive: string[] }).inactive, []);
    assert.equal((await carried()).get('NSE:ITC'), 'quote');
    await waitFor('a candle of the carried instrument', () => client.messages.some((m) => m.type === 'candles' && m.updates.some((u) => u.instrument === 'NSE:ITC')), 10_000);
  } finally {
    await client.close();
  }
});

test('a read-only token asking to carry is refused, and the ticker is unchanged', async () => {
  const before = (await t.api.call('getTicker')).subscriptions.map((s) => s.instrument);
  const viewer = await RawStreamClient.open(t.agent.url, { token: VIEWER });
  try {
    for (const message of [
      { type: 'subscribe', topic: 'ticks', instruments: ['NSE:HDFCBANK'], carry: true },
      { type: 'subscribe', topic: 'candles', series: [{ instrument: 'NSE:HDFCBANK', interval: 'minute' }], carry: true },
    ]) {
      const refused = await viewer.request(message);
      assert.equal(refused.type, 'error', JSON.stringify(message));
      assert.equal((refused as { error: { code: string; field?: string } }).error.code, 'forbidden');
      assert.equal((refused as { error: { code: string; field?: string } }).error.field, 'carry');
    }
    const allowed = await viewer.request({ type: 'subscribe', topic: 'ticks', instruments: ['NSE:HDFCBANK'] });
    assert.deepEqual((allowed as { inactive: string[] }).inactive, ['NSE:HDFCBANK'], 'without carry a viewer subscribes as before');
  } finally {
    await viewer.close();
  }
  assert.deepEqual((await t.api.call('getTicker')).subscriptions.map((s) => s.instrument), before);
});

test("the state survives the agent's restart on the same data folder", async () => {
  const kept = await values('ma');
  assert.equal(kept.count, 8);
  await t.stop();
  await start();
  assert.deepEqual(await values('ma'), kept);
  assert.deepEqual(await values('Other Algo'), { count: 1 });
  assert.equal(Object.keys(await values('bad')).length, 1000);
});
