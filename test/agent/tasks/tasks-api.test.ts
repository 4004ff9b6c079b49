import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TaskInfo } from '../../../shared/task';
import { alive } from '../../helpers/os';
import { RawStreamClient } from '../../helpers/raw-stream-client';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'tasks');
const fixture = (name: string) => join(FIXTURES, name);

let t: TestAgent;
let scratch: string;
before(async () => {
  t = await startTestAgent({ taskLogFiles: { maxBytes: 64 * 1024, keep: 2 } });
  scratch = mkdtempSync(join(tmpdir(), 'algodeck-tasks-'));
});
after(async () => {
  await t.stop();
  rmSync(scratch, { recursive: true, force: true });
});

let names = 0;
const create = (body: Record<string, unknown>) => t.request('POST', '/api/v1/tasks', { body: JSON.stringify({ name: `task ${++names}`, ...body }) });
const task = async (id: string) => (await t.request('GET', `/api/v1/tasks/${id}`)).body as TaskInfo;
const lines = async (id: string, query = '') => ((await t.request('GET', `/api/v1/tasks/${id}/logs${query}`)).body as { lines: Array<{ text: string; stream: string; run: number }> }).lines;
const written = <T>(file: string) => waitFor(`${file} written`, () => existsSync(file) && readFileSync(file, 'utf8').length > 0 && (JSON.parse(readFileSync(file, 'utf8')) as T));

test('a task starts, logs stdout and stderr, gets its environment, and stops gracefully', async () => {
  const file = join(scratch, 'ticking.json');
  const created = await create({ command: 'node', args: [fixture('ticking.mjs'), file], env: { MY_SETTING: 'on' }, start: true });
  assert.equal(created.status, 201);
  const { id } = created.body as TaskInfo;
  assert.match(id, /^[0-9a-f]{12}$/);
  const seen = await written<{ pid: number; cwd: string; env: Record<string, string> }>(file);
  assert.equal(seen.env.ALGODECK_TASK_ID, id);
  assert.equal(seen.env.ALGODECK_URL, t.agent.url);
  assert.equal(seen.env.MY_SETTING, 'on');
  assert.equal(seen.env.PYTHONUNBUFFERED, '1');
  assert.ok((seen.env.ALGODECK_TASK_TOKEN ?? '').length >= 32);
  assert.equal(seen.env.ALGODECK_TOKEN, undefined, "the agent's own token is never passed on");
  assert.equal(seen.cwd, join(t.dataDir, 'tasks', id), 'the default working folder is the task’s own');
  const running = await waitFor('running with its pid', async () => {
    const info = await task(id);
    return info.state === 'running' && info.pid === seen.pid && info;
  });
  assert.equal(running.desired, 'running');
  assert.equal(running.run, 1);
  await waitFor('three ticks logged', async () => (await lines(id, '?stream=stdout')).length >= 3);
  const stderr = await lines(id, '?stream=stderr');
  assert.deepEqual(stderr.map((l) => l.text), ['ready on stderr']);

  const stopped = await t.request('POST', `/api/v1/tasks/${id}/stop`);
  assert.equal(stopped.status, 200);
  assert.equal((stopped.body as TaskInfo).state, 'stopped', 'the stop answers once the task has stopped');
  assert.equal((stopped.body as TaskInfo).desired, 'stopped');
  assert.deepEqual((stopped.body as TaskInfo).lastExit?.code, 0);
  assert.equal(alive(seen.pid), false);
  const output = (await lines(id)).map((l) => l.text);
  assert.ok(output.includes('bye'), 'the task saw its stop signal and said goodbye');
  assert.ok(output.some((text) => text.startsWith('ended with code 0') && text.includes('stopped by a user')));
  const runs = (await t.request('GET', `/api/v1/tasks/${id}/runs`)).body as { runs: Array<{ run: number; exitCode: number; reason: string; endedAt: string }> };
  assert.equal(runs.runs.length, 1);
  assert.equal(runs.runs[0]!.exitCode, 0);
  assert.equal(runs.runs[0]!.reason, 'stopped by a user');
});

test('a stop that needs a kill takes the whole process tree, in and out of its group', async () => {
  const file = join(scratch, 'stubborn.json');
  const { id } = (await create({ command: process.execPath, args: [fixture('stubborn.mjs'), file], stopTimeoutSeconds: 1, start: true })).body as TaskInfo;
  const pids = await written<{ pid: number; inGroup: number; daemon: number }>(file);
  for (const pid of Object.values(pids)) assert.ok(alive(pid));
  await waitFor('three processes counted', async () => (await task(id)).processes === 3, 5000);
  const started = performance.now();
  const stopped = (await t.request('POST', `/api/v1/tasks/${id}/stop`)).body as TaskInfo;
  const took = performance.now() - started;
  assert.ok(took >= 900, `it waited for the grace (${took} ms)`);
  assert.equal(stopped.state, 'stopped');
  assert.equal(stopped.lastExit?.signal, 'SIGKILL');
  await waitFor('every process of the tree gone', () => Object.values(pids).every((pid) => !alive(pid)), 3000);
  const runs = (await t.request('GET', `/api/v1/tasks/${id}/runs`)).body as { runs: Array<{ reason: string }> };
  assert.equal(runs.runs[0]!.reason, 'killed after 1 s (stopped by a user)');
  assert.ok((await lines(id)).some((l) => l.stream === 'agent' && l.text.includes('did not stop within 1 s of SIGTERM')));
});

test('a crash loop reaches errored with the reason, after backing off', async () => {
  const { id } = (
    await create({ command: 'node', args: [fixture('crash.mjs'), '3'], restart: { policy: 'on-failure', maxRestarts: 3, windowSeconds: 60, initialDelayMs: 100, maxDelayMs: 400 }, start: true })
  ).body as TaskInfo;
  const errored = await waitFor('errored', async () => {
    const info = await task(id);
    return info.state === 'errored' && info;
  }, 10_000);
  assert.equal(errored.desired, 'stopped', 'an errored task is not brought back by an agent restart');
  assert.equal(errored.restarts, 3);
  assert.equal(errored.run, 4);
  assert.equal(errored.reason, 'ended 4 times within 60 s (at most 3 restarts); last exited with code 3');
  const agentLines = (await lines(id, '?stream=agent')).map((l) => l.text);
  assert.ok(agentLines.some((text) => /restarting in 0\.1 s/.test(text)), 'the second restart waited the initial delay');
  assert.ok(agentLines.some((text) => /restarting in 0\.2 s/.test(text)), 'then twice that');
  const runs = (await t.request('GET', `/api/v1/tasks/${id}/runs`)).body as { runs: Array<{ exitCode: number }> };
  assert.deepEqual(runs.runs.map((r) => r.exitCode), [3, 3, 3, 3]);
  // Lines of one run only.
  const second = await lines(id, '?run=2&stream=stdout');
  assert.deepEqual(second.map((l) => [l.run, l.text]), [[2, 'crashing with 3']]);
});

test('restart policies: on-failure ends at a clean exit, always restarts it, never does not restart a crash', async () => {
  const clean = (await create({ command: 'node', args: [fixture('crash.mjs'), '0'], start: true })).body as TaskInfo;
  const exited = await waitFor('exited', async () => {
    const info = await task(clean.id);
    return info.state === 'exited' && info;
  });
  assert.equal(exited.restarts, 0);
  assert.equal(exited.lastExit?.code, 0);

  const never = (await create({ command: 'node', args: [fixture('crash.mjs'), '2'], restart: { policy: 'never' }, start: true })).body as TaskInfo;
  const failed = await waitFor('errored', async () => {
    const info = await task(never.id);
    return info.state === 'errored' && info;
  });
  assert.equal(failed.reason, 'exited with code 2');
  assert.equal(failed.run, 1);

  const always = (
    await create({ command: 'node', args: [fixture('crash.mjs'), '0'], restart: { policy: 'always', maxRestarts: 2, windowSeconds: 60, initialDelayMs: 100, maxDelayMs: 100 }, start: true })
  ).body as TaskInfo;
  const looped = await waitFor('always: restarted until the limit', async () => {
    const info = await task(always.id);
    return info.state === 'errored' && info;
  });
  assert.equal(looped.run, 3);
});

test('a killed process is replaced at once with a new pid', async () => {
  const file = join(scratch, 'replaced.json');
  const { id } = (await create({ command: 'node', args: [fixture('ticking.mjs'), file], start: true })).body as TaskInfo;
  const first = await written<{ pid: number }>(file);
  rmSync(file);
  process.kill(first.pid, 'SIGKILL');
  const second = await written<{ pid: number }>(file);
  assert.notEqual(second.pid, first.pid);
  const info = await waitFor('running again', async () => {
    const now = await task(id);
    return now.state === 'running' && now.pid === second.pid && now;
  });
  assert.equal(info.restarts, 1);
  assert.equal(info.lastExit?.signal, 'SIGKILL');
  await t.request('DELETE', `/api/v1/tasks/${id}`);
  assert.equal(alive(second.pid), false, 'removing a task stops it');
});

test('a command that cannot start is errored with the reason', async () => {
  const missing = (await create({ command: '/no/such/program', start: true })).body as TaskInfo;
  const info = await waitFor('errored', async () => {
    const now = await task(missing.id);
    return now.state === 'errored' && now;
  });
  assert.equal(info.reason, 'could not start: command not found: /no/such/program');
  const badFolder = (await create({ command: 'node', args: ['-e', '1'], cwd: 'no-such-folder', start: true })).body as TaskInfo;
  assert.equal(badFolder.state, 'errored');
  assert.match(badFolder.reason ?? '', /the working folder .*no-such-folder does not exist/);
});

test('logs rotate by size and stay searchable', async () => {
  const { id } = (await create({ command: 'node', args: [fixture('chatty.mjs'), '3000', '100'], start: true })).body as TaskInfo;
  await waitFor('the last line logged', async () => (await lines(id, '?tail=1&stream=stdout'))[0]?.text.startsWith('line 3000 '));
  const folder = join(t.dataDir, 'tasks', id, 'logs');
  assert.ok(existsSync(join(folder, 'output.2.log')), 'rotated twice at least');
  assert.equal(existsSync(join(folder, 'output.3.log')), false, 'no more files than kept');
  const tail = await lines(id, '?tail=3&stream=stdout');
  assert.deepEqual(tail.map((l) => l.text.split(' ').slice(0, 2).join(' ')), ['line 2998', 'line 2999', 'line 3000']);
  const found = await lines(id, '?search=LINE%202999%20');
  assert.equal(found.length, 1);
  const total = (await lines(id, '?tail=5000&stream=stdout')).length;
  assert.ok(total < 3000, `old lines rotated away (${total} kept)`);
  assert.ok(total > 1000, `three files of lines are kept (${total})`);
  await t.request('DELETE', `/api/v1/tasks/${id}`);
  assert.equal(existsSync(folder), false, "a removed task's logs go with it");
});

test('a task token acts for its own task only, and dies with its run', async () => {
  const file = join(scratch, 'token.json');
  const own = (await create({ command: 'node', args: [fixture('ticking.mjs'), file], start: true })).body as TaskInfo;
  const other = (await create({ command: 'node', args: [fixture('crash.mjs'), '0'] })).body as TaskInfo;
  const { env } = await written<{ env: Record<string, string> }>(file);
  const token = env.ALGODECK_TASK_TOKEN!;
  const as = (method: string, path: string, body?: unknown) => t.request(method, path, { token, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  const listed = await as('GET', '/api/v1/tasks');
  assert.deepEqual((listed.body as { tasks: TaskInfo[] }).tasks.map((x) => x.id), [own.id]);
  assert.equal((await as('GET', `/api/v1/tasks/${own.id}`)).status, 200);
  assert.equal((await as('GET', `/api/v1/tasks/${own.id}/logs`)).status, 200);
  assert.equal((await as('GET', '/api/v1/instruments?search=INFY')).status, 200, 'market data is readable');
  for (const [method, path, body] of [
    ['GET', `/api/v1/tasks/${other.id}`],
    ['POST', `/api/v1/tasks/${other.id}/start`],
    ['GET', `/api/v1/tasks/${other.id}/logs`],
    ['DELETE', `/api/v1/tasks/${own.id}`],
    ['POST', '/api/v1/tasks', { name: 'sneaky', command: 'node' }],
    ['POST', '/api/v1/ticker/subscriptions', { instruments: ['NSE:INFY'] }],
  ] as const) {
    const answer = await as(method, path, body);
    assert.equal(answer.status, 403, `${method} ${path}`);
    assert.equal((answer.body as { error: { code: string } }).error.code, 'forbidden');
  }
  assert.equal((await task(other.id)).state, 'stopped', 'nothing changed');
  await t.request('POST', `/api/v1/tasks/${own.id}/stop`);
  assert.equal((await as('GET', `/api/v1/tasks/${own.id}`)).status, 401, 'the token ended with its run');
});

test('bad payloads and bad ids are refused with the field at fault, and change nothing', async () => {
  const before = ((await t.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks.length;
  const cases: Array<[unknown, string]> = [
    [{ command: 'node' }, 'name'],
    [{ name: '', command: 'node' }, 'name'],
    [{ name: '../../etc', command: 'node' }, 'name'],
    [{ name: 'x', command: '' }, 'command'],
    [{ name: 'x', command: 'node\u0000rm' }, 'command'],
    [{ name: 'x', command: 'node', args: 'not a list' }, 'args'],
    [{ name: 'x', command: 'node', args: [1] }, 'args.0'],
    [{ name: 'x', command: 'node', env: { ALGODECK_TASK_TOKEN: 'mine' } }, 'env.ALGODECK_TASK_TOKEN'],
    [{ name: 'x', command: 'node', env: { 'BAD NAME': '1' } }, 'env.BAD NAME'],
    [{ name: 'x', command: 'node', restart: { policy: 'sometimes' } }, 'restart.policy'],
    [{ name: 'x', command: 'node', restart: { initialDelayMs: 5000, maxDelayMs: 1000 } }, 'restart.maxDelayMs'],
    [{ name: 'x', command: 'node', stopSignal: 'SIGKILL' }, 'stopSignal'],
    [{ name: 'x', command: 'node', stopTimeoutSeconds: 0 }, 'stopTimeoutSeconds'],
    [{ name: 'x', command: 'node', schedule: { start: '25:00', stop: '15:30' } }, 'schedule.start'],
    [{ name: 'x', command: 'node', schedule: { start: '09:15', stop: '15:30', timeZone: 'Mars/Olympus' } }, 'schedule.timeZone'],
    [{ name: 'x', command: 'node', surprise: true }, 'surprise'],
  ];
  for (const [body, field] of cases) {
    const answer = await t.request('POST', '/api/v1/tasks', { body: JSON.stringify(body) });
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal((answer.body as { error: { field: string } }).error.field, field, JSON.stringify(body));
  }
  assert.equal((await t.request('POST', '/api/v1/tasks', { body: '{"name":' })).status, 400);
  const first = await create({ command: 'node', name: 'Unique Name' });
  assert.equal(first.status, 201);
  const again = await t.request('POST', '/api/v1/tasks', { body: JSON.stringify({ name: 'unique name', command: 'node' }) });
  assert.equal(again.status, 409, 'names are unique whatever their case');
  assert.equal((await t.request('GET', '/api/v1/tasks/0123456789ab')).status, 404);
  assert.equal((await t.request('POST', '/api/v1/tasks/0123456789ab/start')).status, 404);
  const badId = await t.request('GET', '/api/v1/tasks/..%2F..%2Fetc');
  assert.equal(badId.status, 400);
  assert.equal((badId.body as { error: { field: string } }).error.field, 'id');
  assert.equal((await t.request('GET', '/api/v1/tasks', { token: 'not-the-token-at-all' })).status, 401);
  assert.equal(((await t.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks.length, before + 1);
  assert.equal(TEST_TOKEN.length > 0, true);
});

test('the stream carries task changes, live output and the machine’s statistics; a task token follows only its own logs', async () => {
  const client = await RawStreamClient.open(t.agent.url, { token: TEST_TOKEN });
  try {
    const subscribed = await client.request({ type: 'subscribe', topic: 'tasks' });
    assert.equal(subscribed.type, 'subscribed');
    const file = join(scratch, 'streamed.json');
    const { id } = (await create({ command: 'node', args: [fixture('ticking.mjs'), file] })).body as TaskInfo;
    assert.equal((await client.request({ type: 'subscribe', topic: 'logs', task: id })).type, 'subscribed');
    assert.equal((await client.request({ type: 'subscribe', topic: 'system' })).type, 'subscribed');
    await t.request('POST', `/api/v1/tasks/${id}/start`);
    await waitFor('the task running on the stream', () =>
      client.messages.some((m) => m.type === 'tasks' && m.tasks.some((task) => task.id === id && task.state === 'running')),
    );
    await waitFor('its ticks streamed live', () => client.messages.some((m) => m.type === 'logs' && m.task === id && m.lines.some((l) => l.text === 'tick 3')));
    const sample = await client.next('system', 0, 3000);
    assert.ok(sample.sample.cpu.cores >= 1);
    assert.ok(sample.sample.memory.totalMb > 0);
    await waitFor('its statistics on the stream', () =>
      client.messages.some((m) => m.type === 'tasks' && m.tasks.some((task) => task.id === id && (task.rssMb ?? 0) > 5)),
    );

    const { env } = await written<{ env: Record<string, string> }>(file);
    const own = await RawStreamClient.open(t.agent.url, { token: env.ALGODECK_TASK_TOKEN! });
    try {
      assert.equal((await own.request({ type: 'subscribe', topic: 'logs', task: id })).type, 'subscribed');
      const other = (await create({ command: 'node', args: ['-e', '1'] })).body as TaskInfo;
      const refused = await own.request({ type: 'subscribe', topic: 'logs', task: other.id });
      assert.equal(refused.type, 'error');
      assert.equal((refused as { error: { code: string } }).error.code, 'forbidden');
      const tasks = await own.request({ type: 'subscribe', topic: 'tasks' });
      assert.deepEqual((tasks as { tasks: TaskInfo[] }).tasks.map((task) => task.id), [id]);
    } finally {
      await own.close();
    }
    await t.request('DELETE', `/api/v1/tasks/${id}`);
    await waitFor('its removal on the stream', () => client.messages.some((m) => m.type === 'task_removed' && m.id === id));
  } finally {
    await client.close();
  }
});

test('start-all starts every task not running, stop-all stops every running one', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(((await create({ command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'], stopTimeoutSeconds: 2 })).body as TaskInfo).id);
  const started = await t.request('POST', '/api/v1/tasks/start-all');
  assert.equal(started.status, 200);
  await waitFor('all running', async () => {
    const tasks = ((await t.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks.filter((x) => ids.includes(x.id));
    return tasks.every((x) => x.state === 'running');
  });
  const stopped = (await t.request('POST', '/api/v1/tasks/stop-all')).body as { tasks: TaskInfo[] };
  const mine = stopped.tasks.filter((x) => ids.includes(x.id));
  assert.deepEqual(mine.map((x) => [x.state, x.desired]), ids.map(() => ['stopped', 'stopped']));
  assert.equal(stopped.tasks.filter((x) => x.state === 'running').length, 0, 'nothing of this agent runs');
  for (const id of ids) await t.request('DELETE', `/api/v1/tasks/${id}`);
});
