import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TaskInfo } from '../../../shared/task';
import { alive } from '../../helpers/os';
import { spawnAgentCli } from '../../helpers/agent-cli';
import { startTestAgent, TEST_TOKEN, waitFor } from '../../helpers/test-agent';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = (name: string) => join(root, 'test', 'fixtures', 'tasks', name);
const written = <T>(file: string) => waitFor(`${file} written`, () => existsSync(file) && readFileSync(file, 'utf8').length > 0 && (JSON.parse(readFileSync(file, 'utf8')) as T), 10_000);

test('an agent that restarts brings back exactly the tasks that should run', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-recovery-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestAgent({ dataDir });
  t.after(() => first.stop());
  const create = async (name: string, file: string, start: boolean) =>
    (await first.request('POST', '/api/v1/tasks', { body: JSON.stringify({ name, command: 'node', args: [fixture('ticking.mjs'), join(dataDir, file)], start }) })).body as TaskInfo;
  const wanted = await create('wanted', 'wanted.json', true);
  const never = await create('never started', 'never.json', false);
  const stopped = await create('stopped by the user', 'stopped.json', true);
  const before = await written<{ pid: number }>(join(dataDir, 'wanted.json'));
  await written(join(dataDir, 'stopped.json'));
  await first.request('POST', `/api/v1/tasks/${stopped.id}/stop`);
  rmSync(join(dataDir, 'wanted.json'));
  rmSync(join(dataDir, 'stopped.json'));

  await first.stop();
  assert.equal(alive(before.pid), false, 'a stopping agent stops its tasks');

  const second = await startTestAgent({ dataDir });
  t.after(() => second.stop());
  const after = await written<{ pid: number }>(join(dataDir, 'wanted.json'));
  assert.notEqual(after.pid, before.pid);
  const tasks = ((await second.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks;
  const byId = new Map(tasks.map((task) => [task.id, task]));
  assert.equal(byId.get(wanted.id)!.desired, 'running');
  assert.equal(byId.get(wanted.id)!.run, 2);
  assert.equal(byId.get(never.id)!.state, 'stopped');
  assert.equal(byId.get(stopped.id)!.state, 'stopped');
  assert.equal(existsSync(join(dataDir, 'never.json')), false, 'a task never started is not started');
  assert.equal(existsSync(join(dataDir, 'stopped.json')), false, 'a task the user stopped is not started');
  const runs = (await second.request('GET', `/api/v1/tasks/${wanted.id}/runs`)).body as { runs: Array<{ run: number; reason: string | null }> };
  assert.deepEqual(runs.runs.map((r) => [r.run, r.reason]), [[2, null], [1, 'the agent stopped']]);
});

test('after a kill -9 of its agent, the next agent reaps what it left and runs the task once', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-reap-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { child, url } = await spawnAgentCli(t, dataDir);
  const file = join(dataDir, 'stubborn.json');
  const created = await fetch(`${url}/api/v1/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'stubborn', command: 'node', args: [fixture('stubborn.mjs'), file], stopTimeoutSeconds: 1, start: true }),
  });
  assert.equal(created.status, 201);
  const { id } = (await created.json()) as TaskInfo;
  const left = await written<{ pid: number; inGroup: number; daemon: number }>(file);
  rmSync(file);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const [role, pid] of Object.entries(left)) assert.ok(alive(pid), `${role} outlived the killed agent, as any process would`);

  const next = await startTestAgent({ dataDir });
  t.after(() => next.stop());
  for (const [role, pid] of Object.entries(left)) assert.equal(alive(pid), false, `${role} (${pid}) was reaped when the agent started again`);
  const again = await written<{ pid: number }>(file);
  assert.ok(!Object.values(left).includes(again.pid));
  const info = await waitFor('running once, in a new run', async () => {
    const task = (await next.request('GET', `/api/v1/tasks/${id}`)).body as TaskInfo;
    return task.state === 'running' && task;
  });
  assert.equal(info.run, 2);
  const runs = (await next.request('GET', `/api/v1/tasks/${id}/runs`)).body as { runs: Array<{ run: number; reason: string | null; endedAt: string | null }> };
  assert.equal(runs.runs[1]!.reason, 'left running by an agent that did not stop cleanly; stopped when the agent started again');
  assert.ok(runs.runs[1]!.endedAt);
});
