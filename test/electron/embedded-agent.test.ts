/**
 * The embedded agent as the desktop shell runs it (`EmbeddedAgent`), with a child process in
 * place of the utility process (the same parent channel): started with its options and the
 * keychain's secrets, its workers and market started by the shell's host, its secret changes
 * stored by the shell, a failure to start reported, and a clean stop that leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EmbeddedOptions } from '../../agent/embedded-main';
import { EMBEDDED_AGENT_ENTRY } from '../../agent/hosted-entries';
import { startSimTickerServer } from '../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../agent/market/sim/universe';
import { ChildProcessHost } from '../../agent/process/child-process-host';
import { type AgentProcess, EmbeddedAgent } from '../../electron/embedded-agent';
import { MemorySecrets } from '../helpers/desktop';
import { waitFor } from '../helpers/wait';
import { alive } from '../helpers/os';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const TOKEN = 'embedded-token-0123456789abcdef';

/** The agent's entry in a child process, as the shell's `utilityProcess.fork` would start it. */
function startChild(): { child: ChildProcess; process: AgentProcess } {
  const child = fork(EMBEDDED_AGENT_ENTRY, [], { execArgv: ['--import', import.meta.resolve('tsx')], serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return {
    child,
    process: {
      // A message to a process that just died is dropped (as the utility process's postMessage does).
      post: (message) => void (child.connected && child.send(message as object, () => undefined)),
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.once('exit', (code) => listener(code)),
      kill: () => void child.kill('SIGKILL'),
    },
  };
}

function options(extra: Partial<EmbeddedOptions> = {}): EmbeddedOptions {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-embedded-'));
  dirs.push(dataDir);
  return { port: 0, dataDir, token: TOKEN, workers: 2, firstRunWatchlist: false, logLevel: 'silent', ...extra };
}

const call = async (url: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as any };
};

test('ready on loopback with its token, ticking through the shell\'s processes, and a clean stop that leaves none behind', async (t) => {
  const { child, process: agentProcess } = startChild();
  t.after(() => child.kill('SIGKILL'));
  const states: string[] = [];
  const agent = new EmbeddedAgent(agentProcess, options(), new MemorySecrets(), new ChildProcessHost());
  agent.onChange((state) => states.push(state.state));
  const { url, token } = await agent.ready();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(token, TOKEN);
  const instruments = (await call(url, 'GET', '/api/v1/instruments?search=SIM&limit=6')).body.instruments.map((i: { id: string }) => i.id);
  const subscribed = await call(url, 'POST', '/api/v1/ticker/subscriptions', { instruments, mode: 'quote' });
  assert.equal(subscribed.status, 200);
  assert.equal(subscribed.body.workers.length, 2);
  await waitFor('ticks', async () => (await call(url, 'GET', '/api/v1/ticker')).body.subscriptions.every((s: { lastTickAt: string | null }) => s.lastTickAt !== null), 30_000);

  await agent.stop();
  assert.equal(agent.state.state, 'stopped');
  assert.deepEqual(states, ['ready', 'stopped']);
  const pids = subscribed.body.workers.map((worker: { pid: number }) => worker.pid);
  await waitFor('the workers the shell started to end with the agent', () => pids.every((pid: number) => !alive(pid)), 10_000);
});

test('on Kite, the agent starts with the keychain\'s secrets and the shell stores what it changes; a keychain that cannot store refuses before anything changes', async (t) => {
  const emulator = await startSimTickerServer({ universe: buildUniverse({ generated: 0 }), apiKey: 'kitetestkey01', apiSecret: 'kite-test-secret-0123', accessToken: 'not-given', redirectUrl: 'http://127.0.0.1:9/cb', ticksPerSecond: 1 });
  t.after(() => emulator.close());
  const kite = { provider: 'kite' as const, kite: { root: emulator.httpUrl }, workers: 1 };
  const { child, process: agentProcess } = startChild();
  t.after(() => child.kill('SIGKILL'));
  const keeper = new MemorySecrets({ 'kite.apiSecret': 'last-weeks-secret-0123' });
  const agent = new EmbeddedAgent(agentProcess, options(kite), keeper, new ChildProcessHost());
  const { url } = await agent.ready();
  const broker = await call(url, 'GET', '/api/v1/broker');
  assert.equal(broker.body.credentials.apiSecretSet, true, 'the secret the shell read from the keychain');
  assert.equal(broker.body.credentials.store, 'keychain');
  const set = await call(url, 'PUT', '/api/v1/broker/credentials', { apiKey: 'kitetestkey01', apiSecret: 'kite-test-secret-0123' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  await waitFor('the secret stored by the shell', () => keeper.values['kite.apiSecret'] === 'kite-test-secret-0123');
  await agent.stop();

  const refusing = startChild();
  t.after(() => refusing.child.kill('SIGKILL'));
  const locked = new MemorySecrets({}, 'No keyring is running.');
  const second = new EmbeddedAgent(refusing.process, options(kite), locked, new ChildProcessHost());
  const { url: secondUrl } = await second.ready();
  const refused = await call(secondUrl, 'PUT', '/api/v1/broker/credentials', { apiKey: 'kitetestkey01', apiSecret: 'kite-test-secret-0123' });
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error.code, 'unavailable');
  assert.match(refused.body.error.message, /The secret was not stored: No keyring is running/);
  assert.deepEqual(locked.values, {});
  await second.stop();
});

test('a start that fails is reported with the agent\'s reason, and nothing is left running', async (t) => {
  // Its port is taken.
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const { port } = blocker.address() as { port: number };
  const { child, process: agentProcess } = startChild();
  t.after(() => child.kill('SIGKILL'));
  const agent = new EmbeddedAgent(agentProcess, options({ port }), new MemorySecrets(), new ChildProcessHost());
  await assert.rejects(agent.ready(), /EADDRINUSE|in use/);
  assert.equal(agent.state.state, 'failed');
  await agent.stop();
  await waitFor('the agent process to end', () => child.exitCode !== null || child.signalCode !== null, 10_000);
});

test('an agent process that dies is reported as failed, with its exit code', async (t) => {
  const { child, process: agentProcess } = startChild();
  t.after(() => child.kill('SIGKILL'));
  const agent = new EmbeddedAgent(agentProcess, options(), new MemorySecrets(), new ChildProcessHost());
  await agent.ready();
  child.kill('SIGKILL');
  await waitFor('failed', () => agent.state.state === 'failed', 10_000);
  assert.match((agent.state as { problem: string }).problem, /stopped unexpectedly/);
});
