import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { createTaskInput } from '../../../shared/contract/task-schemas';
import { AgentDb } from '../../../agent/store/agent-db';
import { TaskStore } from '../../../agent/tasks/task-store';
import { TaskSupervisor } from '../../../agent/tasks/task-supervisor';

test('without /proc, a task whose last run may still be alive is held errored, never started twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-reap-'));
  // A system without /proc: the supervisor reads an empty folder.
  const noProc = mkdtempSync(join(tmpdir(), 'algodeck-noproc-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  const supervisors: TaskSupervisor[] = [];
  t.after(async () => {
    for (const supervisor of supervisors) await supervisor.shutdown();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(noProc, { recursive: true, force: true });
  });
  const make = () => {
    const supervisor = new TaskSupervisor({ db: db.db, dataDir: dir, log: pino({ level: 'silent' }), agentUrl: () => null, procRoot: noProc });
    supervisors.push(supervisor);
    return supervisor;
  };
  const first = make();
  const { id } = first.create(createTaskInput.parse({ name: 'maybe alive', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'] }));
  const other = first.create(createTaskInput.parse({ name: 'surely gone', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'] }));
  // As a killed agent leaves them: both wanted running, each with a run never closed; one's pid
  // exists (this test's own), the other's cannot (pid 2^22 + 1 is above Linux's pid limit).
  const store = new TaskStore(db.db);
  for (const [task, pid] of [[id, process.pid], [other.id, 4_194_305]] as const) {
    store.saveStatus(task, { desired: 'running', state: 'stopped', reason: null, restarts: 0, scheduledOn: null, scheduleStopped: false });
    store.runStarted(task, 1, Date.now(), { pid, boot: null, procStart: null });
  }
  const second = make();
  await second.recover();
  const held = second.get(id);
  assert.equal(held.state, 'errored');
  assert.equal(held.desired, 'stopped');
  assert.match(held.reason ?? '', new RegExp(`pid ${process.pid}\\) may still be running`));
  assert.equal(held.pid, null, 'not started');
  assert.notEqual(second.get(other.id).state, 'errored', 'a run whose process is gone is resumed');
  assert.equal(second.runs(id, 5)[0]!.endedAt !== null, true, 'the old run is closed');
});
