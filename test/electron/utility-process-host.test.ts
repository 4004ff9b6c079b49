/**
 * The utility process host, against a stand-in for Electron's `utilityProcess.fork` with the same
 * interface (a child process underneath: the same parent channel for the hosted module). A real
 * agent starts its ticker workers and simulated market through it: ticks flow, the worker count
 * changes, nothing is left after the stop, and no secret of the shell's reaches a process.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { utilityProcess } from 'electron';
import { UtilityProcessHost } from '../../electron/utility-process-host';
import { startTestAgent, waitFor } from '../helpers/test-agent';
import { alive } from '../helpers/os';

type Fork = typeof utilityProcess.fork;
type ForkOptions = NonNullable<Parameters<Fork>[2]>;

/** `utilityProcess.fork` as Electron has it (pid, postMessage, kill, 'message' and 'exit' events), over `child_process.fork`. */
function standIn(calls: Array<{ modulePath: string; options: ForkOptions }>): Fork {
  return ((modulePath: string, args: string[] = [], options: ForkOptions = {}) => {
    calls.push({ modulePath, options });
    const child = fork(modulePath, args, {
      execArgv: [...(modulePath.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : []), ...(options.execArgv ?? [])],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: options.env as NodeJS.ProcessEnv | undefined,
    });
    const utility = new EventEmitter() as EventEmitter & { pid: number | undefined; postMessage(message: unknown): void; kill(): boolean };
    utility.pid = child.pid;
    utility.postMessage = (message) => void (child.connected && child.send(message as object, () => undefined));
    utility.kill = () => child.kill();
    child.on('message', (message) => utility.emit('message', message));
    child.on('exit', (code) => utility.emit('exit', code ?? 0));
    return utility;
  }) as unknown as Fork;
}

test('an agent whose workers and simulated market are utility processes: ticks flow, the pool changes, the stop leaves none', async (t) => {
  const calls: Array<{ modulePath: string; options: ForkOptions }> = [];
  process.env.ALGODECK_TOKEN = 'a-token-the-shell-holds-0123';
  t.after(() => delete process.env.ALGODECK_TOKEN);
  const agent = await startTestAgent({ processHost: new UtilityProcessHost(standIn(calls)), workers: 2, simTicksPerSecond: 5 });
  let stopped = false;
  t.after(() => (stopped ? undefined : agent.stop()));
  const names = calls.map((call) => call.options.serviceName).sort();
  assert.deepEqual(names, ['sim-market', 'ticker-worker-1', 'ticker-worker-2'].sort(), JSON.stringify(names));
  for (const call of calls) {
    const env = call.options.env as Record<string, string | undefined> | undefined;
    assert.equal(env?.ALGODECK_PROCESS, call.options.serviceName);
    assert.equal(env?.ALGODECK_TOKEN, undefined, 'no secret of the shell reaches a hosted process');
    assert.equal(call.options.stdio, 'inherit');
  }
  const ids = ((await agent.request('GET', '/api/v1/instruments?limit=4')).body as { instruments: Array<{ id: string }> }).instruments.map((i) => i.id);
  await agent.api.call('subscribe', { instruments: ids, mode: 'quote' });
  await waitFor('ticks through utility-process workers', async () => (await agent.api.call('getTicker')).subscriptions.every((s) => s.lastTickAt !== null), 20_000);
  const grown = await agent.api.call('setWorkers', { count: 3 });
  assert.equal(grown.workers.length, 3);
  assert.ok(calls.some((call) => call.options.serviceName === 'ticker-worker-3'));
  const pids = grown.workers.map((worker) => worker.pid!);
  await agent.stop();
  stopped = true;
  await waitFor('every hosted process to end', () => pids.every((pid) => !alive(pid)), 10_000);
});

test('a process that has exited: sends are refused, exit listeners hear at once, a kill does nothing', async () => {
  const host = new UtilityProcessHost(standIn([]));
  const hosted = host.spawn(new URL('../fixtures/exit-at-once.mjs', import.meta.url).pathname, { name: 'brief' });
  const code = await new Promise<number | null>((resolve) => hosted.onExit(resolve));
  assert.equal(code, 3);
  assert.equal(hosted.send({ type: 'hello' }), false);
  const late = await new Promise<number | null>((resolve) => hosted.onExit(resolve));
  assert.equal(late, 3);
  hosted.kill();
});
