/**
 * The TypeScript SDK against a real agent: ticks, candles (history, then live, across a restart
 * of the agent with no gap and no bar twice), orders filled by the paper broker and refused by the
 * risk manager, state across connections, SIGTERM, and an algo run as a real task of the agent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Algo, AlgoDeckError, type Bar, connect, type Order, RiskRejectedError, type Tick } from '../../sdk/ts/src/index';
import { resolveSettings } from '../../sdk/ts/src/index';
import { jsonLine } from '../../sdk/ts/src/log';
import { captured, exited } from '../helpers/child-output';
import { runTaskToEnd } from '../helpers/run-task';
import { sleep, startTestAgent, type TestAgent, TEST_TOKEN, waitFor } from '../helpers/test-agent';

const MIN = 60_000;
const fixture = fileURLToPath(new URL('./fixtures/sdk-algo.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

let t: TestAgent;
const opened: Algo[] = [];
const open = async (algo: string) => {
  const instance = await connect({ url: t.agent.url, token: TEST_TOKEN, algo, handleSignals: false });
  opened.push(instance);
  return instance;
};
/** Reads an iterator in the background into an array. */
function collect<T>(iterator: AsyncIterable<T>): { items: T[]; done: Promise<unknown> } {
  const items: T[] = [];
  const done = (async () => {
    for await (const item of iterator) items.push(item);
  })().catch((error: unknown) => error);
  return { items, done };
}
const times = (bars: Bar[]) => bars.map((bar) => Date.parse(bar.time));

before(async () => {
  t = await startTestAgent({ workers: 1, simTicksPerSecond: 20 });
});
after(async () => {
  for (const algo of opened) await algo.close();
  await t.stop();
});

test('settings come from the options, then the task environment, then the terminal environment', () => {
  const env = { ALGODECK_URL: 'http://h:1/', ALGODECK_TASK_TOKEN: 'task-token', ALGODECK_TASK_NAME: 'ma', ALGODECK_TOKEN: 'owner', ALGODECK_ALGO: 'other' };
  assert.deepEqual(resolveSettings({ env }), { url: 'http://h:1', token: 'task-token', algo: 'ma' });
  assert.deepEqual(resolveSettings({ env: { ALGODECK_TOKEN: 'owner', ALGODECK_ALGO: 'other' } }), { url: 'http://127.0.0.1:7420', token: 'owner', algo: 'other' });
  assert.deepEqual(resolveSettings({ env, url: 'http://x:2', token: 'mine', algo: 'b' }), { url: 'http://x:2', token: 'mine', algo: 'b' });
  assert.throws(() => resolveSettings({ env: { ALGODECK_ALGO: 'a' } }), (error: unknown) => error instanceof AlgoDeckError && error.field === 'token');
  assert.throws(() => resolveSettings({ env: { ALGODECK_TOKEN: 'x' } }), (error: unknown) => error instanceof AlgoDeckError && error.field === 'algo');
  const line = JSON.parse(jsonLine('info', 'bought', { qty: 1, msg: 'ignored' }, new Date(0)));
  assert.deepEqual(line, { time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'bought', qty: 1 });
});

test('a wrong token is refused at connect; an agent that is not there is waited for, then reported', async () => {
  await assert.rejects(connect({ url: t.agent.url, token: 'not-the-token-at-all', algo: 'x', handleSignals: false }), (error: unknown) => error instanceof AlgoDeckError && error.code === 'unauthorized' && error.status === 401);
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const started = Date.now();
  await assert.rejects(connect({ url: `http://127.0.0.1:${port}`, token: TEST_TOKEN, algo: 'x', retryMs: 600, handleSignals: false }), (error: unknown) => error instanceof AlgoDeckError && error.code === 'unavailable' && error.status === 0);
  assert.ok(Date.now() - started >= 500, 'refused connections were retried');
});

describe('against a running agent', { concurrency: true }, () => {
  test('ticks of an instrument the ticker did not carry arrive (carried for the algo); quotes and search answer', async () => {
    const algo = await open('sdk-ticks');
    assert.equal(algo.name, 'sdk-ticks');
    const got: Tick[] = [];
    for await (const tick of algo.ticks(['NSE:TCS'], { mode: 'quote' })) {
      got.push(tick);
      if (got.length === 3) break;
    }
    assert.ok(got.every((tick) => tick.instrument === 'NSE:TCS' && tick.lastPrice > 0));
    const quotes = await algo.quote(['NSE:TCS']);
    assert.ok(quotes['NSE:TCS']!.lastPrice > 0);
    const found = await algo.instruments.search('INFY', { limit: 5 });
    assert.ok(found.some((instrument) => instrument.id === 'NSE:INFY'));
  });

  test('an algo that falls behind gets the latest tick of each instrument past maxQueued, in order per instrument, and is told once', async () => {
    const algo = await open('sdk-slow');
    const warnings: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    algo.log.warn = (message, fields) => void warnings.push({ message, fields });
    const instruments = ['NSE:INFY', 'NSE:RELIANCE', 'NSE:HDFCBANK'];
    const ticks = algo.ticks(instruments, { mode: 'ltp', maxQueued: 4 });
    const first = await ticks.next(); // subscribed and flowing; then the algo is busy for a while
    assert.ok(!first.done);
    await sleep(1500); // 20 ticks/s each: ~90 ticks come meanwhile
    const got: Tick[] = [];
    for (let i = 0; i < 4 + instruments.length; i++) got.push((await ticks.next()).value as Tick);
    await ticks.return();
    assert.equal(warnings.length, 1, 'told once, when caught up');
    assert.match(warnings[0]!.message, /fell behind its ticks/);
    assert.ok((warnings[0]!.fields!.conflated as number) > 20, `many replaced, not kept: ${JSON.stringify(warnings[0]!.fields)}`);
    const latest = got.slice(4);
    assert.deepEqual(new Set(latest.map((tick) => tick.instrument)), new Set(instruments), 'then one tick per instrument: its latest');
    for (const id of instruments) {
      const times = got.filter((tick) => tick.instrument === id).map((tick) => tick.receivedAt);
      assert.deepEqual(times, [...times].sort((a, b) => a - b), `${id} in order`);
    }
  });

  test('candles: history, then forming updates when asked, then each closed bar once and after the history', { timeout: 100_000 }, async () => {
    const algo = await open('sdk-candles');
    const history: Bar[] = [];
    for await (const bar of algo.candles('NSE:INFY', 'minute', { count: 5, live: false })) history.push(bar);
    assert.equal(history.length, 5);
    assert.ok(history.every((bar) => !bar.live && bar.closed && bar.instrument === 'NSE:INFY' && bar.interval === 'minute'));
    assert.deepEqual(times(history), [...times(history)].sort((a, b) => a - b), 'oldest first');
    const earlier: Bar[] = [];
    for await (const bar of algo.candles('NSE:INFY', '5minute', { count: 250, live: false })) earlier.push(bar);
    assert.equal(earlier.length, 250, 'more than one answer of history is read back');
    assert.equal(new Set(times(earlier)).size, 250);

    const bars: Bar[] = [];
    for await (const bar of algo.candles('NSE:INFY', 'minute', { count: 3, forming: true })) {
      bars.push(bar);
      if (bar.closed && bar.live) break;
    }
    const closed = bars.filter((bar) => bar.closed);
    assert.equal(closed.filter((bar) => !bar.live).length, 3, 'three bars of history first');
    assert.ok(bars.some((bar) => !bar.closed && bar.live), 'forming updates were given');
    const closedTimes = times(closed);
    assert.equal(new Set(closedTimes).size, closedTimes.length, 'no bar twice');
    assert.deepEqual(closedTimes, [...closedTimes].sort((a, b) => a - b));
    const last = closed.at(-1)!;
    const stored = await t.api.call('getCandles', { instrument: 'NSE:INFY', interval: 'minute', from: last.time, to: new Date(Date.parse(last.time) + MIN).toISOString() });
    const { live: _l, closed: _c, instrument: _i, interval: _v, ...candle } = last;
    assert.deepEqual(stored.candles, [candle], 'the live bar is the stored bar');
  });

  test('an order is placed for the algo (a clientOrderId made for it), filled by the paper broker, seen in updates and positions', async () => {
    const algo = await open('sdk-orders');
    const updates = collect(algo.orders.updates());
    const ticks = algo.ticks(['NSE:INFY']);
    const price = (await ticks.next()).value!.lastPrice;
    await ticks.return();
    const order = await algo.orders.place({ instrument: 'NSE:INFY', side: 'BUY', quantity: 2, type: 'MARKET', stopLoss: Math.round(price * 0.97) });
    assert.equal(order.algo, 'sdk-orders');
    assert.match(order.clientOrderId ?? '', /^sdk-[0-9a-f-]{36}$/);
    await waitFor('filled', async () => (await algo.orders.list()).some((o) => o.id === order.id && o.state === 'filled'), 10_000);
    await waitFor('the fill in updates', () => updates.items.some((o: Order) => o.id === order.id && o.state === 'filled'));
    const again = await algo.orders.place({ instrument: 'NSE:INFY', side: 'BUY', quantity: 2, type: 'MARKET', clientOrderId: order.clientOrderId! });
    assert.equal(again.id, order.id, 'the same clientOrderId is the same order');
    assert.deepEqual((await algo.positions()).map((p) => [p.algo, p.instrument, p.quantity]), [['sdk-orders', 'NSE:INFY', 2]]);
    const risk = await algo.risk.state();
    assert.equal(risk.algo.state, 'ACTIVE');
    assert.ok(risk.moneyAtRisk['NSE:INFY']! > 0);
    assert.equal(risk.exposure['NSE:INFY']!.algos['sdk-orders'], 2);

    const resting = await algo.orders.place({ instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'LIMIT', price: Math.round(price * 0.5) });
    assert.equal(resting.state, 'open');
    assert.equal((await algo.orders.list({ state: 'open' })).map((o) => o.id).join(), resting.id);
    assert.equal((await algo.orders.cancel(resting.id)).state, 'cancelled');
  });

  test('an order past a limit throws RiskRejectedError with the rule; a bad one AlgoDeckError with the field; risk events arrive', async () => {
    const algo = await open('sdk-risk');
    await t.api.call('setRiskLimits', { algos: { 'sdk-risk': { maxOrderQuantity: 5 } } });
    const events = collect(algo.risk.events());
    const priced = algo.ticks(['NSE:INFY']); // the risk manager checks limits on a price
    await priced.next();
    await priced.return();
    const refused = await algo.orders.place({ instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET' }).catch((error: unknown) => error);
    assert.ok(refused instanceof RiskRejectedError, String(refused));
    assert.ok(refused instanceof AlgoDeckError);
    assert.deepEqual([refused.code, refused.status, refused.rule, refused.limit, refused.value], ['risk_rejected', 422, 'max_order_quantity', 5, 10]);
    assert.equal(refused.order?.state, 'rejected');
    assert.equal(refused.order?.algo, 'sdk-risk');
    const bad = await algo.orders.place({ instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'LIMIT' }).catch((error: unknown) => error);
    assert.ok(bad instanceof AlgoDeckError && !(bad instanceof RiskRejectedError));
    assert.deepEqual([bad.code, bad.field, bad.status], ['invalid_request', 'price', 400]);
    assert.equal((await algo.risk.state()).limits.algo?.maxOrderQuantity, 5);

    await t.api.call('setTradingState', { scope: 'sdk-risk', state: 'HALTED', reason: 'test' });
    await t.api.call('setTradingState', { scope: 'sdk-other', state: 'HALTED', reason: 'not mine' });
    await waitFor('the risk event', () => events.items.some((e) => e.scope === 'sdk-risk' && e.to === 'HALTED'));
    assert.equal((await algo.risk.state()).algo.state, 'HALTED');
    await t.api.call('setTradingState', { scope: 'sdk-risk', state: 'ACTIVE' });
    await waitFor('back to active', () => events.items.some((e) => e.scope === 'sdk-risk' && e.to === 'ACTIVE'));
    assert.ok(events.items.every((e) => e.scope === 'sdk-risk' || e.scope === 'global'), 'only its own and the global state');
  });

  test('state is kept by the agent: set, delete, and read again from a new connection', async () => {
    const first = await open('sdk-state');
    assert.deepEqual(await first.state.all(), {});
    await first.state.set('count', 7);
    await first.state.set('position', { qty: 3, side: 'BUY' });
    await first.state.set('old', 'x');
    assert.deepEqual(await first.state.delete('old'), { count: 7, position: { qty: 3, side: 'BUY' } });
    await first.close();
    const second = await open('sdk-state');
    assert.equal(await second.state.get('count'), 7);
    assert.equal(await second.state.get('missing'), undefined);
    assert.deepEqual(await second.state.all(), { count: 7, position: { qty: 3, side: 'BUY' } });
    const error = await second.state.set('', 1).catch((e: unknown) => e);
    assert.ok(error instanceof AlgoDeckError && error.code === 'invalid_request', String(error));
  });

  test('onStop runs on SIGTERM, then the algo exits 0', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', tsx, fixture, 'stop'], {
      env: { ...process.env, ALGODECK_URL: t.agent.url, ALGODECK_TOKEN: TEST_TOKEN, ALGODECK_ALGO: 'sdk-stop' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = captured(child);
    await waitFor('the algo to be ready', () => output.lines().some((line) => line.msg === 'ready'), 30_000);
    child.kill('SIGTERM');
    const [code, signal] = await exited(child);
    assert.deepEqual([code, signal], [0, null], output.text());
    assert.ok(output.lines().some((line) => line.msg === 'stopping' && line.level === 'info'));
    assert.equal((await t.api.call('getAlgoState', { algo: 'sdk-stop' })).values.stopped, true);
  });

  test('an algo run as a task of the agent connects from its environment with its task token', { timeout: 60_000 }, async () => {
    const { info, lines, entries } = await runTaskToEnd(t, { name: 'sdk-task', command: 'node', args: ['--import', tsx, fixture, 'task'] });
    assert.equal(info.state, 'exited', lines.join('\n'));
    assert.ok(entries.some((entry) => entry.msg === 'connected' && entry.algo === 'sdk-task'), lines.join('\n'));
    assert.deepEqual((await t.api.call('getAlgoState', { algo: 'sdk-task' })).values.ran, { name: 'sdk-task', tick: 'NSE:INFY', quoted: ['NSE:INFY'] });
  });
});

test('after the agent restarts: the SDK reconnects, onReconnect runs, ticks resume, and candles refill what closed meanwhile', { timeout: 180_000 }, async (context) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-sdk-'));
  context.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const options = { dataDir, workers: 1, simTicksPerSecond: 20 };
  let agent = await startTestAgent(options);
  context.after(() => agent.stop());
  const port = agent.agent.port;
  const algo = await connect({ url: agent.agent.url, token: TEST_TOKEN, algo: 'sdk-restart', handleSignals: false, reconnect: { initialDelayMs: 50, maxDelayMs: 300 } });
  context.after(() => algo.close());
  let reconnects = 0;
  algo.onReconnect(() => void reconnects++);
  const ticks = collect(algo.ticks(['NSE:INFY']));
  const bars = collect(algo.candles('NSE:INFY', 'minute', { count: 2 }));
  await waitFor('ticks and history', () => ticks.items.length > 3 && bars.items.length >= 2, 10_000);

  // Stop just after a minute ends, before its bar is final (2 s later), and start again after:
  // neither agent's stream sends that bar, so only the history can give it.
  const boundary = Math.ceil((Date.now() + 1000) / MIN) * MIN;
  await sleep(boundary + 300 - Date.now());
  await agent.stop();
  const before = ticks.items.length;
  await sleep(Math.max(0, boundary + 2500 - Date.now()));
  agent = await startTestAgent({ ...options, port });
  await waitFor('onReconnect', () => reconnects === 1, 20_000);
  await waitFor('ticks again', () => ticks.items.length > before + 3, 15_000);
  const missed = boundary - MIN;
  await waitFor('the bar that closed while away, from history', () => times(bars.items).includes(missed), 15_000);
  await waitFor('the next bar, live', () => bars.items.some((bar) => bar.live && Date.parse(bar.time) >= boundary), 90_000);
  const seen = times(bars.items);
  assert.equal(new Set(seen).size, seen.length, `no bar twice: ${bars.items.map((b) => b.time).join()}`);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'in order');
  assert.equal(bars.items.find((bar) => Date.parse(bar.time) === missed)!.live, false, 'refilled from the history');
  assert.deepEqual(seen.slice(seen.indexOf(missed)), [missed, boundary], 'no gap');
  await algo.close();
  assert.deepEqual(await Promise.all([ticks.done, bars.done]), [undefined, undefined], 'iterators end cleanly on close');
});
