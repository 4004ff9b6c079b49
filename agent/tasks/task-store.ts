/**
 * Tasks in the agent's database: each task's spec and desired state (what an agent that restarts
 * brings back), its last resting state, and its runs. A run is written when its process starts
 * and closed when it ends, so a run still open at start-up is a process a killed agent left.
 */
import type Database from 'better-sqlite3';
import type { RestartSpec, TaskRun, TaskSpec } from '../../shared/task';

export type RestingState = 'stopped' | 'exited' | 'errored';

export interface StoredTask {
  id: string;
  spec: TaskSpec;
  desired: 'running' | 'stopped';
  state: RestingState;
  reason: string | null;
  restarts: number;
  created: number;
  /** The local date (YYYY-MM-DD) of the schedule's last start. */
  scheduledOn: string | null;
  /** Whether that window's stop was made. */
  scheduleStopped: boolean;
}

/** A run whose end was never written. */
export interface OpenRun {
  task: string;
  run: number;
  pid: number | null;
  boot: string | null;
  procStart: number | null;
}

interface TaskRow {
  id: string;
  spec: string;
  desired: 'running' | 'stopped';
  state: RestingState;
  reason: string | null;
  restarts: number;
  created: number;
  scheduled_on: string | null;
  schedule_stopped: number;
}

const DEFAULT_RESTART: RestartSpec = { policy: 'on-failure', maxRestarts: 10, windowSeconds: 60, initialDelayMs: 1000, maxDelayMs: 30_000 };

/** A spec as stored, with the fields a newer agent added filled in. */
function specOf(json: string): TaskSpec {
  const spec = JSON.parse(json) as Partial<TaskSpec> & Pick<TaskSpec, 'name' | 'command'>;
  return {
    args: [],
    cwd: null,
    env: {},
    stopSignal: 'SIGTERM',
    stopTimeoutSeconds: 10,
    schedule: null,
    labels: {},
    ...spec,
    restart: { ...DEFAULT_RESTART, ...spec.restart },
  };
}

export class TaskStore {
  constructor(private readonly db: Database.Database) {}

  all(): StoredTask[] {
    const rows = this.db.prepare(`SELECT * FROM tasks ORDER BY created, id`).all() as TaskRow[];
    return rows.map((row) => ({
      id: row.id,
      spec: specOf(row.spec),
      desired: row.desired,
      state: row.state,
      reason: row.reason,
      restarts: row.restarts,
      created: row.created,
      scheduledOn: row.scheduled_on,
      scheduleStopped: row.schedule_stopped === 1,
    }));
  }

  /** The id of the task of this name (names are unique, ignoring case). */
  idOfName(name: string): string | undefined {
    return (this.db.prepare(`SELECT id FROM tasks WHERE name = ?`).get(name) as { id: string } | undefined)?.id;
  }

  insert(task: StoredTask): void {
    this.db
      .prepare(`INSERT INTO tasks (id, name, spec, desired, state, reason, restarts, created, scheduled_on, schedule_stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(task.id, task.spec.name, JSON.stringify(task.spec), task.desired, task.state, task.reason, task.restarts, task.created, task.scheduledOn, task.scheduleStopped ? 1 : 0);
  }

  /** Saves what changes while a task lives: its desired and resting state, restarts, schedule mark. */
  saveStatus(id: string, status: Pick<StoredTask, 'desired' | 'state' | 'reason' | 'restarts' | 'scheduledOn' | 'scheduleStopped'>): void {
    this.db
      .prepare(`UPDATE tasks SET desired = ?, state = ?, reason = ?, restarts = ?, scheduled_on = ?, schedule_stopped = ? WHERE id = ?`)
      .run(status.desired, status.state, status.reason, status.restarts, status.scheduledOn, status.scheduleStopped ? 1 : 0, id);
  }

  remove(id: string): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM task_runs WHERE task = ?`).run(id);
      this.db.prepare(`DELETE FROM tasks WHERE id = ?`).run(id);
    })();
  }

  /** The number of the task's last run (0 before the first). */
  lastRun(id: string): number {
    return (this.db.prepare(`SELECT max(run) AS run FROM task_runs WHERE task = ?`).get(id) as { run: number | null }).run ?? 0;
  }

  runStarted(task: string, run: number, started: number, process: { pid: number | null; boot: string | null; procStart: number | null }): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO task_runs (task, run, pid, boot, proc_start, started) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(task, run, process.pid, process.boot, process.procStart, started);
  }

  runEnded(task: string, run: number, ended: number, exit: { code: number | null; signal: string | null; reason: string | null }): void {
    this.db
      .prepare(`UPDATE task_runs SET ended = ?, exit_code = ?, signal = ?, reason = ? WHERE task = ? AND run = ?`)
      .run(ended, exit.code, exit.signal, exit.reason, task, run);
  }

  /** Runs never closed: processes of an agent that did not stop cleanly. */
  openRuns(): OpenRun[] {
    const rows = this.db.prepare(`SELECT task, run, pid, boot, proc_start FROM task_runs WHERE ended IS NULL`).all() as Array<{
      task: string;
      run: number;
      pid: number | null;
      boot: string | null;
      proc_start: number | null;
    }>;
    return rows.map((row) => ({ task: row.task, run: row.run, pid: row.pid, boot: row.boot, procStart: row.proc_start }));
  }

  runs(task: string, limit: number): TaskRun[] {
    const rows = this.db
      .prepare(`SELECT run, pid, started, ended, exit_code, signal, reason FROM task_runs WHERE task = ? ORDER BY run DESC LIMIT ?`)
      .all(task, limit) as Array<{ run: number; pid: number | null; started: number; ended: number | null; exit_code: number | null; signal: string | null; reason: string | null }>;
    return rows.map((row) => ({
      run: row.run,
      pid: row.pid,
      startedAt: new Date(row.started).toISOString(),
      endedAt: row.ended === null ? null : new Date(row.ended).toISOString(),
      exitCode: row.exit_code,
      signal: row.signal,
      reason: row.reason,
    }));
  }
}
