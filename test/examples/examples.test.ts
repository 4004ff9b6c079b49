/**
 * The example algos, built as users get them (`build/examples.mjs`), registered by a fresh agent
 * on the simulated market and run as real tasks: orders placed and filled, one refused by a limit
 * (and said in the algo's log), a stop-loss honoured, shared knowledge (one algo stands down on a
 * stock another holds), the algo's state kept across a restart of the algo and of the agent, a
 * clean stop.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CreateTaskInput } from '../../shared/contract/task-schemas';
import type { Order } from '../../shared/order';
import type { TaskInfo } from '../../shared/task';
import { startTestAgent, type TestAgent, waitFor } from '../helpers/test-agent';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Liquid NIFTY stocks: some are up on the day whatever the seed, which the pair's signal needs. */
const PAIR_STOCKS = 'NSE:TCS,NSE:HDFCBANK,NSE:ITC,NSE:INFY,NSE:SBIN,NSE:LT,NSE:AXISBANK,NSE:WIPRO,NSE:MARUTI,NSE:TITAN,NSE:ONGC,NSE:NTPC';

let scratch: string;
let built: string;
let dataDir: string;
let agent: TestAgent;

async function start(): Promise<TestAgent> {
  return startTestAgent({ dataDir, examples: built, workers: 1, simTicksPerSecond: 4, firstRunWatchlist: true });
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'algodeck-examples-'));
  built = join(scratch, 'examples');
  dataDir = join(scratch, 'agent');
  execFileSync(process.execPath, [join(root, 'build/examples.mjs'), built], { stdio: 'inherit' });
  agent = await start();
});

after(async () => {
  await agent?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const tasks = async () => (await agent.api.call('listTasks')).tasks;
const byName = async (name: string) => (await tasks()).find((task) => task.name === name)!;
async function logText(task: TaskInfo): Promise<string> {
  const { lines } = await agent.api.call('getTaskLogs', { id: task.id, tail: 2000 });
  return lines.map((line) => line.text).join('\n');
}
/** A task from an example's built file with the test's own arguments (what a user does to try one). */
async function variant(name: string, file: string, command: string, args: string[]): Promise<TaskInfo> {
  const spec = { name, command, args: [join(built, file), ...args], cwd: built, stopTimeoutSeconds: 5, restart: { policy: 'never' } } as Partial<CreateTaskInput>;
  return agent.api.call('createTask', spec as CreateTaskInput);
}
const ordersOf = async (algo: string): Promise<Order[]> => (await agent.api.call('listOrders', { algo, limit: 200 })).orders;

test('a fresh agent on the simulated market registers the examples as tasks, stopped, once', async () => {
  const all = await tasks();
  assert.deepEqual(all.map((task) => task.name).sort(), ['breakout', 'ma-crossover', 'pair-a', 'pair-b']);
  for (const task of all) assert.equal(task.state, 'stopped', `${task.name} waits for the user`);
  const breakout = all.find((task) => task.name === 'breakout')!;
  assert.equal(breakout.command, 'python3');
  assert.equal(breakout.labels.language, 'Python');
  // A user who removes one does not get it back at the next start.
  await agent.api.call('deleteTask', { id: breakout.id });
  await agent.stop();
  agent = await start();
  assert.deepEqual((await tasks()).map((task) => task.name).sort(), ['ma-crossover', 'pair-a', 'pair-b']);
});

test('the crossover buys with a stop, the stop is honoured, and its state outlives the algo and the agent', { timeout: 300_000 }, async () => {
  // Minute bars, 2 over 3, and a stop 0.01 % away: it enters when the trend is up and the first
  // wiggle down takes it out.
  const task = await variant('ma-quick', 'ma-crossover.mjs', 'node', ['--instrument', 'NSE:RELIANCE', '--interval', 'minute', '--fast', '2', '--slow', '3', '--quantity', '3', '--stop-pct', '0.01']);
  await agent.api.call('startTask', { id: task.id });
  const log = await waitFor('a stop-loss honoured', async () => {
    const text = await logText(task);
    return /stop-loss at [\d.]+ hit/.test(text) && text;
  }, 150_000, 500);
  assert.match(log, /"msg":"started"/);
  assert.match(log, /buying: the fast average is above the slow one/);
  const orders = await ordersOf('ma-quick');
  const buy = orders.find((order) => order.side === 'BUY' && order.state === 'filled');
  assert.ok(buy, 'a buy filled');
  assert.ok(buy.stopLoss !== undefined && buy.stopLoss < buy.averagePrice!, 'the buy carried its stop to the risk manager');
  await waitFor('the exit filled', async () => (await ordersOf('ma-quick')).some((order) => order.side === 'SELL' && order.state === 'filled'), 10_000, 200);
  const memory = (await agent.api.call('getAlgoState', { algo: 'ma-quick' })).values.memory as { trades: number; held: number };
  assert.ok(memory.trades >= 2, `trades kept in the algo's state: ${JSON.stringify(memory)}`);

  // The algo restarted: it starts from its state.
  await agent.api.call('restartTask', { id: task.id });
  await waitFor('the second run started from its state', async () => new RegExp(`"msg":"started".*"trades":${memory.trades}`).test(await logText(task)), 30_000, 300);
  // The agent restarted: the task runs again (it was running), with the same state.
  await agent.stop();
  agent = await start();
  const again = await byName('ma-quick');
  await waitFor('the task running after the agent restarted', async () => (await byName('ma-quick')).state === 'running', 20_000, 200);
  const { runs } = await agent.api.call('listTaskRuns', { id: again.id, limit: 10 });
  assert.ok(runs.length >= 3, 'three runs: first, restarted, after the agent');
  await waitFor('the third run read the state', async () => {
    const text = await logText(again);
    return (text.match(new RegExp(`"msg":"started".*"trades":(\\d+)`, 'g')) ?? []).length >= 2 && /"trades":[1-9]/.test(text.split('\n').filter((l) => l.includes('"msg":"started"')).at(-1)!);
  }, 30_000, 300);
  // A clean stop: the SDK runs the algo's stop handler.
  await agent.api.call('stopTask', { id: again.id });
  assert.match(await logText(again), /"msg":"stopping"/);
});

test('the pair: one algo stands down on a stock the other holds; a limit refuses the other, and its log says why', async () => {
  await agent.api.call('setRiskLimits', { algos: { 'pair-q2': { maxOrderQuantity: 1 } } });
  const first = await variant('pair-q1', 'risk-aware-pair.mjs', 'node', ['--instruments', PAIR_STOCKS, '--quantity', '2', '--hold-seconds', '600', '--stop-pct', '50']);
  await agent.api.call('startTask', { id: first.id });
  const held = await waitFor('pair-q1 holding a stock', async () => (await ordersOf('pair-q1')).find((order) => order.state === 'filled')?.instrument, 60_000, 300);
  const second = await variant('pair-q2', 'risk-aware-pair.mjs', 'node', ['--instruments', PAIR_STOCKS, '--quantity', '2', '--hold-seconds', '600', '--stop-pct', '50']);
  await agent.api.call('startTask', { id: second.id });
  const log = await waitFor('pair-q2 standing down and refused', async () => {
    const text = await logText(second);
    return new RegExp(`standing down on ${held}: already held by pair-q1`).test(text) && /the risk manager refused to buy/.test(text) && text;
  }, 60_000, 300);
  assert.match(log, /"rule":"max_order_quantity"/);
  const refused = (await ordersOf('pair-q2')).filter((order) => order.state === 'rejected');
  assert.ok(refused.length > 0 && refused.every((order) => order.rejection?.rule === 'max_order_quantity'), 'the refusals are in the order book with their rule');
  assert.equal((await ordersOf('pair-q2')).filter((order) => order.instrument === held).length, 0, 'nothing sent for the stock the other holds');
  await agent.api.call('stopTask', { id: first.id });
  await agent.api.call('stopTask', { id: second.id });
});

test('the Python breakout runs as a task from its built folder and stops cleanly', async () => {
  const task = await variant('breakout-quick', 'breakout.py', 'python3', ['--instrument', 'NSE:RELIANCE', '--interval', 'minute', '--channel', '3', '--quantity', '1']);
  await agent.api.call('startTask', { id: task.id });
  await waitFor('it started with its channel warmed up', async () => /"msg":"started".*"channel":3/.test(await logText(task)), 30_000, 300);
  // Stopped (its stop handler saves its memory), given a memory by hand, started again.
  await agent.api.call('stopTask', { id: task.id });
  assert.match(await logText(task), /"msg":"stopping".*"trades":0/);
  await agent.api.call('setAlgoState', { algo: 'breakout-quick', values: { memory: { held: 0, entry: null, stop: null, trades: 41 } } });
  await agent.api.call('startTask', { id: task.id });
  await waitFor('the restarted run read its state', async () => /"msg":"started".*"trades":41/.test(await logText(task)), 30_000, 300);
  await agent.api.call('stopTask', { id: task.id });
  const text = await logText(task);
  assert.match(text, /"msg":"stopping".*"trades":41/);
  const { runs } = await agent.api.call('listTaskRuns', { id: task.id, limit: 5 });
  assert.deepEqual(runs.map((run) => run.exitCode), [0, 0], 'a clean exit on each stop signal');
});
