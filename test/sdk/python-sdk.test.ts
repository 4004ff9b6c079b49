/**
 * The Python SDK (sdk/python) against a real agent: its unittest suite (the websocket framing and
 * error mapping, then ticks, candles history and live, orders filled and refused by the risk
 * manager, state across connections, against this agent), an algo that lives through a restart of
 * the agent (reconnect, on_reconnect, ticks again, candles refilled with no gap and no bar twice,
 * REST waiting for the agent, on_stop on SIGTERM), and an algo run as a task of the agent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captured, exited } from '../helpers/child-output';
import { runTaskToEnd } from '../helpers/run-task';
import { sleep, startTestAgent, type TestAgent, TEST_TOKEN, waitFor } from '../helpers/test-agent';

const MIN = 60_000;
const root = fileURLToPath(new URL('../../', import.meta.url));
const tests = join(root, 'sdk/python/tests');
const probe = join(tests, 'probe.py');
const python = process.env.PYTHON ?? 'python3';

async function agentWithPrices(options: { dataDir?: string; port?: number } = {}): Promise<TestAgent> {
  const agent = await startTestAgent({ workers: 1, simTicksPerSecond: 10, ...options });
  await agent.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
  await waitFor('prices', async () => Object.keys((await agent.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes).length === 2, 10_000);
  return agent;
}

/** Every `def test_…` of the suite: what `Ran N tests` must say, so a test skipped or not found fails. */
function testMethods(): number {
  return readdirSync(tests)
    .filter((name) => /^test_.*\.py$/.test(name))
    .reduce((sum, name) => sum + (readFileSync(join(tests, name), 'utf8').match(/^\s+(async )?def test_/gm) ?? []).length, 0);
}

test('the Python SDK’s unittest suite passes against a real agent, none skipped', { timeout: 240_000 }, async (context) => {
  const agent = await agentWithPrices();
  context.after(() => agent.stop());
  const child = spawn(python, ['-m', 'unittest', 'discover', '-s', tests, '-v'], {
    cwd: root,
    env: { ...process.env, ALGODECK_URL: agent.agent.url, ALGODECK_TOKEN: TEST_TOKEN, ALGODECK_ALGO: 'py-sdk', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captured(child);
  const [code] = await exited(child);
  const text = output.text();
  assert.equal(code, 0, text);
  const ran = /^Ran (\d+) tests? in/m.exec(text);
  assert.ok(ran, text);
  const expected = testMethods();
  assert.ok(expected >= 50, `found ${expected} test methods`);
  assert.equal(Number(ran[1]), expected, text);
  assert.match(text, /^OK$/m, text);
  assert.doesNotMatch(text, /skipped/, text);
});

test('an algo lives through a restart of the agent: it reconnects, resubscribes, refills the bar it missed, and stops on SIGTERM', { timeout: 200_000 }, async (context) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-pysdk-'));
  context.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let agent = await agentWithPrices({ dataDir });
  context.after(() => agent.stop());
  const port = agent.agent.port;
  const child = spawn(python, [probe, 'restart'], {
    cwd: root,
    env: { ...process.env, ALGODECK_URL: agent.agent.url, ALGODECK_TOKEN: TEST_TOKEN, ALGODECK_ALGO: 'py-restart', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  context.after(() => void child.kill('SIGKILL'));
  const output = captured(child);
  const events = (name: string) => output.lines().filter((line) => line.event === name);
  await waitFor('history and a tick', () => events('bar').length >= 3 && events('tick').length >= 1, 30_000);

  // Stop just after a minute ends, before its bar is final (2 s later): the stream never sends it.
  const boundary = Math.ceil((Date.now() + 1000) / MIN) * MIN;
  await sleep(boundary + 300 - Date.now());
  await agent.stop();
  await sleep(1500); // while away: REST calls are refused and tried again, the stream redials
  agent = await agentWithPrices({ dataDir, port });

  await waitFor('on_reconnect', () => events('reconnected').length === 1, 30_000);
  await waitFor('ticks again', () => events('tick').some((line) => line.reconnects === 1), 15_000);
  const missed = boundary - MIN;
  const bars = () => events('bar').map((line) => ({ time: Date.parse(line.time as string), live: line.live as boolean, reconnects: line.reconnects as number }));
  await waitFor('the bar that closed while away, from history', () => bars().some((bar) => bar.time === missed), 20_000);
  await waitFor('the next bar, live', () => bars().some((bar) => bar.live && bar.time >= boundary), 90_000);

  const seen = bars().map((bar) => bar.time);
  assert.equal(new Set(seen).size, seen.length, `no bar twice: ${output.text()}`);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'in order');
  assert.deepEqual(seen.slice(1).map((time, i) => time - seen[i]!), seen.slice(1).map(() => MIN), `one bar a minute from history to the end, none missing: ${output.text()}`);
  assert.deepEqual(seen.slice(seen.indexOf(missed)), [missed, boundary], `no gap after the restart: ${output.text()}`);
  const refilled = bars().find((bar) => bar.time === missed)!;
  assert.deepEqual([refilled.live, refilled.reconnects], [false, 1], 'refilled from history after the reconnect');
  assert.deepEqual(events('state').map((line) => line.value), [{ started: true }], 'the state outlived the agent’s restart');
  assert.deepEqual(events('quote_error'), [], 'REST calls waited for the agent');

  child.kill('SIGTERM');
  const [code, signal] = await exited(child);
  assert.deepEqual([code, signal], [0, null], output.text());
  assert.equal(events('stopped').length, 1, 'on_stop ran');
  assert.ok(output.lines().some((line) => line.level === 'info' && line.msg === 'stopping'), output.text());
});

test('an algo run as a task of the agent connects from the task’s environment, with its task token', { timeout: 60_000 }, async (context) => {
  const agent = await agentWithPrices();
  context.after(() => agent.stop());
  const { info, lines, entries } = await runTaskToEnd(agent, { name: 'py-task', command: python, args: [probe, 'task'] });
  assert.equal(info.state, 'exited', lines.join('\n'));
  assert.ok(entries.some((entry) => entry.msg === 'connected' && entry.algo === 'py-task' && entry.level === 'info'), lines.join('\n'));
  assert.deepEqual((await agent.api.call('getAlgoState', { algo: 'py-task' })).values.ran, { name: 'py-task', tick: 'NSE:INFY', quoted: ['NSE:INFY'] });
});
