import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { createTaskInput } from '../../../shared/contract/task-schemas';
import type { TaskSchedule } from '../../../shared/task';
import { AgentDb } from '../../../agent/store/agent-db';
import { windowAt, windowOn } from '../../../agent/tasks/task-schedule';
import { TaskSupervisor } from '../../../agent/tasks/task-supervisor';
import { waitFor } from '../../helpers/wait';

const NSE: TaskSchedule = { start: '09:15', stop: '15:30', timeZone: 'Asia/Kolkata', weekdaysOnly: true };
const at = (iso: string) => Date.parse(iso);

test('a window is the exchange day’s start to stop, in its zone, on weekdays only', () => {
  // Monday 2026-11-30, 09:15 IST is 03:45 UTC.
  assert.deepEqual(windowOn(NSE, '2026-11-30'), { date: '2026-11-30', startAt: at('2026-11-30T03:45:00Z'), stopAt: at('2026-11-30T10:00:00Z') });
  assert.equal(windowAt(NSE, at('2026-11-30T03:44:59Z')), null);
  assert.equal(windowAt(NSE, at('2026-11-30T03:45:00Z'))?.date, '2026-11-30');
  assert.equal(windowAt(NSE, at('2026-11-30T09:59:59Z'))?.date, '2026-11-30');
  assert.equal(windowAt(NSE, at('2026-11-30T10:00:00Z')), null, 'the stop time is outside');
  assert.equal(windowAt(NSE, at('2026-12-05T05:00:00Z')), null, 'a Saturday');
  assert.equal(windowAt({ ...NSE, weekdaysOnly: false }, at('2026-12-05T05:00:00Z'))?.date, '2026-12-05');
});

test('a window past midnight belongs to the day it opens on, and daylight saving is followed', () => {
  const night: TaskSchedule = { start: '22:00', stop: '02:00', timeZone: 'Asia/Kolkata', weekdaysOnly: true };
  // Friday 23:00 IST is in Friday's window; Saturday 01:00 IST still is; Saturday 23:00 is not (no Saturday window).
  assert.equal(windowAt(night, at('2026-12-04T17:30:00Z'))?.date, '2026-12-04');
  assert.equal(windowAt(night, at('2026-12-04T19:30:00Z'))?.date, '2026-12-04');
  assert.equal(windowAt(night, at('2026-12-05T17:30:00Z')), null);
  const newYork: TaskSchedule = { start: '09:30', stop: '16:00', timeZone: 'America/New_York', weekdaysOnly: true };
  assert.equal(windowOn(newYork, '2026-07-06').startAt, at('2026-07-06T13:30:00Z'), 'EDT, UTC-4');
  assert.equal(windowOn(newYork, '2026-12-07').startAt, at('2026-12-07T14:30:00Z'), 'EST, UTC-5');
});

test('a scheduled task starts when its window opens and stops when it ends; a user’s stop in between stands', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-schedule-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  let now = at('2026-11-30T03:30:00Z'); // Monday 09:00 IST
  const tasks = new TaskSupervisor({ db: db.db, dataDir: dir, log: pino({ level: 'silent' }), agentUrl: () => 'http://127.0.0.1:1', now: () => now, scheduleCheckMs: 3_600_000 });
  t.after(async () => {
    await tasks.shutdown();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const spec = createTaskInput.parse({ name: 'scheduled', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'], stopTimeoutSeconds: 1, schedule: { start: '09:15', stop: '15:30' } });
  const { id } = tasks.create(spec);
  await tasks.recover();
  assert.equal(tasks.get(id).state, 'stopped', 'before the window');

  now = at('2026-11-30T03:45:00Z');
  tasks.applySchedules();
  await waitFor('started by its schedule', () => tasks.get(id).state === 'running');
  assert.equal(tasks.get(id).desired, 'running');

  now = at('2026-11-30T04:30:00Z');
  await tasks.stop(id);
  now = at('2026-11-30T04:31:00Z');
  tasks.applySchedules();
  assert.equal(tasks.get(id).state, 'stopped', 'a stop by the user within the window stands');

  now = at('2026-12-01T03:46:00Z'); // Tuesday 09:16: the next window
  tasks.applySchedules();
  await waitFor('started again the next day', () => tasks.get(id).state === 'running');
  now = at('2026-12-01T10:00:00Z'); // 15:30
  tasks.applySchedules();
  await waitFor('stopped by its schedule', () => tasks.get(id).state === 'stopped');
  assert.equal(tasks.get(id).desired, 'stopped');
  const lines = tasks.readLogs(id, { tail: 100, stream: 'agent' }).map((line) => line.text);
  assert.ok(lines.some((text) => text.includes('started by its schedule')));
  assert.ok(lines.some((text) => text.includes('stopped by its schedule')));

  // A user's start after the window is not undone by the schedule.
  tasks.start(id);
  now = at('2026-12-01T10:05:00Z');
  tasks.applySchedules();
  await waitFor('running', () => tasks.get(id).state === 'running');
  now = at('2026-12-01T12:00:00Z');
  tasks.applySchedules();
  assert.equal(tasks.get(id).state, 'running');
});

test('an agent started late within the window starts the scheduled task', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-schedule-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  const now = at('2026-11-30T05:00:00Z'); // Monday 10:30 IST
  const tasks = new TaskSupervisor({ db: db.db, dataDir: dir, log: pino({ level: 'silent' }), agentUrl: () => null, now: () => now, scheduleCheckMs: 3_600_000 });
  t.after(async () => {
    await tasks.shutdown();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { id } = tasks.create(createTaskInput.parse({ name: 'late', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'], stopTimeoutSeconds: 1, schedule: { start: '09:15', stop: '15:30' } }));
  await tasks.recover();
  await waitFor('started within its window', () => tasks.get(id).state === 'running');
});
