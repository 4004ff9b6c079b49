/**
 * The embedded agent's processes started by the shell: an agent whose ProcessHost is brokered
 * over a message channel (asynchronous, like a utility process's port) to the shell's side,
 * which starts real child processes. The ticker's workers and the simulated market come up
 * through it, ticks flow, a worker count change and the agent's stop leave nothing behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BrokeredProcessHost, type Channel, type HostEvent, type HostRequest, serveProcessHost } from '../../../agent/process/brokered-process-host';
import { ChildProcessHost } from '../../../agent/process/child-process-host';
import type { HostedProcess, ProcessHost, SpawnOptions } from '../../../agent/process/process-host';
import { startTestAgent } from '../../helpers/test-agent';
import { sleep, waitFor } from '../../helpers/wait';

/** Two ends of a channel that delivers on a later turn, as a process's message port does. */
function channelPair<A, B>(): [Channel<A, B>, Channel<B, A>] {
  const toB: Array<(message: A) => void> = [];
  const toA: Array<(message: B) => void> = [];
  const a: Channel<A, B> = { send: (message) => setImmediate(() => toB.forEach((listener) => listener(structuredClone(message)))), onMessage: (listener) => void toA.push(listener) };
  const b: Channel<B, A> = { send: (message) => setImmediate(() => toA.forEach((listener) => listener(structuredClone(message)))), onMessage: (listener) => void toB.push(listener) };
  return [a, b];
}

/** The shell's real host, recording what it started and what ended. */
class RecordingHost implements ProcessHost {
  readonly started: Array<{ name: string; process: HostedProcess }> = [];
  readonly ended = new Set<HostedProcess>();
  private readonly real = new ChildProcessHost();
  spawn(modulePath: string, options: SpawnOptions): HostedProcess {
    const process = this.real.spawn(modulePath, options);
    this.started.push({ name: options.name, process });
    process.onExit(() => this.ended.add(process));
    return process;
  }
}

test('workers and the simulated market start through the shell; ticks flow; changes and the stop leave nothing behind', async () => {
  const [agentEnd, shellEnd] = channelPair<HostRequest, HostEvent>();
  const shellHost = new RecordingHost();
  serveProcessHost(shellEnd as Channel<HostEvent, unknown>, shellHost);
  const agent = await startTestAgent({ processHost: new BrokeredProcessHost(agentEnd as Channel<HostRequest, unknown>), workers: 2 });
  try {
    const ids = (await agent.api.call('listInstruments', { search: 'SIM', limit: 12 })).instruments.map((i) => i.id);
    const subscribed = await agent.api.call('subscribe', { instruments: ids, mode: 'quote' });
    assert.equal(subscribed.workers.length, 2);
    assert.ok(subscribed.workers.every((worker) => typeof worker.pid === 'number' && shellHost.started.some((started) => started.process.pid === worker.pid)), 'the workers are the shell\'s processes');
    await waitFor('every instrument to tick', async () => {
      const state = await agent.api.call('getTicker');
      return state.subscriptions.every((s) => s.lastTickAt !== null && !s.stale) ? state : undefined;
    }, 20_000);
    await agent.api.call('setWorkers', { count: 3 });
    await waitFor('three workers carrying the instruments', async () => {
      const state = await agent.api.call('getTicker');
      return state.workers.length === 3 && state.subscriptions.every((s) => !s.stale) ? state : undefined;
    }, 20_000);
  } finally {
    await agent.stop();
  }
  await waitFor('every process the shell started for the agent to end', () => shellHost.started.every((started) => shellHost.ended.has(started.process)), 10_000);
  assert.ok(shellHost.started.length >= 4, `workers and the market: ${shellHost.started.map((s) => s.name).join(', ')}`);
});

test('the shell ignores malformed requests; a real process through it: messages both ways, stray events ignored, one exit', async () => {
  const [agentEnd, shellEnd] = channelPair<HostRequest, HostEvent>();
  const shellHost = new RecordingHost();
  serveProcessHost(shellEnd as Channel<HostEvent, unknown>, shellHost);
  const raw = agentEnd as unknown as Channel<unknown, unknown>;
  for (const bad of [null, 42, 'spawn', {}, { type: 'host-spawn' }, { type: 'host-spawn', id: 1.5, modulePath: '/x', options: {} }, { type: 'host-spawn', id: 1, modulePath: 7, options: {} }, { type: 'host-spawn', id: 2, modulePath: '/x', options: null }, { type: 'host-kill', id: 99 }, { type: 'host-send', id: 99, message: 'x' }]) raw.send(bad);
  await sleep(50);
  assert.equal(shellHost.started.length, 0);

  // A real process through the shell: messages both ways, a stray event for another id changes
  // nothing, and a kill ends it once, with its signal.
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-brokered-'));
  const echo = join(dir, 'echo.mjs');
  writeFileSync(echo, "process.on('message', (m) => process.send({ echoed: m })); setInterval(() => {}, 1000);");
  try {
    const host = new BrokeredProcessHost(agentEnd as Channel<HostRequest, unknown>);
    const child = host.spawn(echo, { name: 'echo' });
    const messages: unknown[] = [];
    const exits: Array<[number | null, string | null]> = [];
    child.onMessage((message) => messages.push(message));
    child.onExit((code, signal) => exits.push([code, signal]));
    await waitFor('the shell to report the pid', () => typeof child.pid === 'number');
    assert.equal(child.pid, shellHost.started[0]!.process.pid);
    assert.equal(child.send({ n: 1 }), true);
    await waitFor('the echo', () => messages.length === 1);
    assert.deepEqual(messages, [{ echoed: { n: 1 } }]);
    (shellEnd as Channel<HostEvent, unknown>).send({ type: 'host-exit', id: 12345, code: 0, signal: null });
    (shellEnd as Channel<HostEvent, unknown>).send({ type: 'host-message', id: 12345, message: 'stray' });
    await sleep(50);
    assert.deepEqual(exits, [], 'an event for another process changes nothing');
    assert.deepEqual(messages, [{ echoed: { n: 1 } }]);
    child.kill('SIGTERM');
    await waitFor('the exit', () => exits.length === 1);
    assert.deepEqual(exits, [[null, 'SIGTERM']]);
    assert.equal(child.send('late'), false, 'nothing is sent to a process that ended');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
