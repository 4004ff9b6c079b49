/**
 * Stopping and starting the ticker (the tray's and the Ticker page's button) on a real agent: the
 * workers end and the broker connections close, the subscriptions stay and may still change, the
 * worker count is refused while stopped, the stop holds across a restart, and a start brings back
 * every worker with what it held.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TickerState } from '../../../shared/contract/api';
import { startTestAgent, type TestAgent, waitFor } from '../../helpers/test-agent';
import { alive } from '../../helpers/os';

const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-ticker-stop-'));
let t: TestAgent | undefined;
after(async () => {
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const ticker = async () => (await t!.request('GET', '/api/v1/ticker')).body as TickerState;
const post = async (path: string) => t!.request('POST', path, { body: '{}' });

test('a stop ends the workers and keeps the subscriptions; changes to them still work, the worker count does not', async () => {
  t = await startTestAgent({ dataDir, workers: 2, simTicksPerSecond: 5 });
  const ids = ((await t.request('GET', '/api/v1/instruments?limit=6')).body as { instruments: Array<{ id: string }> }).instruments.map((i) => i.id);
  await t.api.call('subscribe', { instruments: ids.slice(0, 4), mode: 'quote' });
  await waitFor('ticks', async () => (await ticker()).subscriptions.every((s) => s.lastTickAt !== null), 20_000);
  const pids = (await ticker()).workers.map((w) => w.pid!);

  const stopped = await post('/api/v1/ticker/stop');
  assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
  const state = stopped.body as TickerState;
  assert.equal(state.state, 'stopped');
  assert.deepEqual(state.workers, []);
  assert.deepEqual(state.subscriptions.map((s) => s.instrument).sort(), ids.slice(0, 4).sort());
  await waitFor('the workers to end', () => pids.every((pid) => !alive(pid)), 10_000);
  assert.equal(((await post('/api/v1/ticker/stop')).body as TickerState).state, 'stopped', 'a second stop changes nothing');

  // Subscriptions still change while stopped; the worker count waits for a start.
  const added = await t.api.call('subscribe', { instruments: [ids[4]!], mode: 'full' });
  assert.equal(added.subscriptions.length, 5);
  await t.api.call('unsubscribe', { instruments: [ids[0]!] });
  const workers = await t.request('PUT', '/api/v1/ticker/workers', { body: JSON.stringify({ count: 3 }) });
  assert.equal(workers.status, 409);
  assert.equal(workers.body.error.code, 'conflict');
  assert.equal(workers.body.error.field, 'count');
  assert.match(workers.body.error.message, /stopped: start it/);
});

test('the stop holds across a restart; a start brings back the workers, each ticking what it holds', async () => {
  await t!.stop();
  // No worker count given: the agent takes the one it saved.
  t = await startTestAgent({ dataDir, simTicksPerSecond: 5, workers: undefined });
  const restarted = await ticker();
  assert.equal(restarted.state, 'stopped');
  assert.deepEqual(restarted.workers, []);
  assert.equal(restarted.subscriptions.length, 4);

  const started = await post('/api/v1/ticker/start');
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const state = started.body as TickerState;
  assert.equal(state.state, 'running');
  assert.equal(state.workers.length, 2, 'the worker count it had');
  assert.deepEqual(state.workers.map((w) => w.instruments.length).sort(), [2, 2], 'split evenly as before');
  const since = Date.now();
  await waitFor('every subscription ticking again', async () => (await ticker()).subscriptions.every((s) => s.lastTickAt !== null && Date.parse(s.lastTickAt) > since), 20_000);
  assert.equal(((await post('/api/v1/ticker/start')).body as TickerState).workers.length, 2, 'a second start changes nothing');
  // Running again: the worker count changes as usual.
  assert.equal((await t!.api.call('setWorkers', { count: 3 })).workers.length, 3);
  await t!.stop();
  t = await startTestAgent({ dataDir, simTicksPerSecond: 5 });
  assert.equal((await ticker()).state, 'running', 'started stays started');
});
