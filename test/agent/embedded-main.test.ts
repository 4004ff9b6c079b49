/**
 * The embedded agent as the desktop shell runs it, with a child process in place of the utility
 * process (the same parent channel): started with its options and the shell's secrets, its
 * workers and market started by the shell's host, and a clean stop. (The relayed secret store is
 * tested with the shell's file in test/electron/safe-secrets.test.ts.)
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AgentMessage, ShellMessage } from '../../agent/embedded-main';
import { EMBEDDED_AGENT_ENTRY } from '../../agent/hosted-entries';
import type { SecretChange } from '../../agent/broker/relayed-secret-store';
import { type HostEvent, serveProcessHost } from '../../agent/process/brokered-process-host';
import { ChildProcessHost } from '../../agent/process/child-process-host';
import { waitFor } from '../helpers/wait';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const TOKEN = 'embedded-token-0123456789abcdef';

/** Starts the embedded agent the way the shell does, and records what it says. */
function shell(secrets: Record<string, string>, secretRefusal: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-embedded-'));
  dirs.push(dataDir);
  const child = fork(EMBEDDED_AGENT_ENTRY, [], { execArgv: ['--import', import.meta.resolve('tsx')], serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const said: Array<AgentMessage | SecretChange> = [];
  child.on('message', (message) => said.push(message as AgentMessage | SecretChange));
  const hosted = serveProcessHost({ send: (event: HostEvent) => void (child.connected && child.send(event)), onMessage: (listener) => void child.on('message', listener) }, new ChildProcessHost());
  const start: ShellMessage = { type: 'start', options: { port: 0, dataDir, token: TOKEN, workers: 2, firstRunWatchlist: false, logLevel: 'silent' }, secrets, secretRefusal };
  child.send(start);
  return { child, said, hosted, exited: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const call = async (url: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as any };
};

test('started by the shell: ready on loopback, ticking through the shell\'s processes, and a clean stop that leaves none behind', async (t) => {
  const run = shell({}, null);
  t.after(() => {
    run.hosted.stopAll();
    run.child.kill('SIGKILL');
  });
  const ready = (await waitFor('ready', () => run.said.find((m): m is Extract<AgentMessage, { type: 'ready' }> => m.type === 'ready'), 60_000));
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const instruments = (await call(ready.url, 'GET', '/api/v1/instruments?search=SIM&limit=6')).body.instruments.map((i: { id: string }) => i.id);
  const subscribed = await call(ready.url, 'POST', '/api/v1/ticker/subscriptions', { instruments, mode: 'quote' });
  assert.equal(subscribed.status, 200);
  assert.equal(subscribed.body.workers.length, 2);
  await waitFor('ticks', async () => (await call(ready.url, 'GET', '/api/v1/ticker')).body.subscriptions.every((s: { lastTickAt: string | null }) => s.lastTickAt !== null), 30_000);

  run.child.send({ type: 'stop' } satisfies ShellMessage);
  assert.equal(await run.exited, 0);
  assert.ok(run.said.some((m) => m.type === 'stopped'));
  const pids = subscribed.body.workers.map((worker: { pid: number }) => worker.pid);
  await waitFor('the workers the shell started to end with the agent', () => pids.every((pid: number) => !alive(pid)), 10_000);
});
