/**
 * The agent's tasks: registered, started, stopped and removed here, their desired state kept in
 * the database so an agent that restarts brings back exactly what should run. On start it first
 * reaps what a killed agent left behind (runs never closed: same boot, same process start time),
 * so no task ever runs twice. Output goes to each task's rotated log and to live listeners, in
 * batches.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { CreateTaskInput, UploadTaskInput } from '../../shared/contract/task-schemas';
import { ApiError } from '../../shared/errors';
import type { ProcessTreeUsage } from '../../shared/system';
import { type LogLine, TASK_ENV, type TaskInfo, type TaskRun, type TaskSpec } from '../../shared/task';
import { childEnv } from '../process/child-env';
import { type LogQuery, TaskLog, type TaskLogOptions } from './task-log';
import { type RunnerContext, TaskRunner } from './task-runner';
import { stopLeftover } from './task-reaper';
import { windowAt, windowOn } from './task-schedule';
import { chooseEntry, runnerFor, stageUpload, type UploadLimits } from './task-upload';
import { type OpenRun, TaskStore } from './task-store';
import { TaskTokens } from './task-tokens';

export interface TaskSupervisorOptions {
  db: Database.Database;
  dataDir: string;
  log: Logger;
  /** The agent's URL, for the SDK in each task's environment (known once the server listens). */
  agentUrl: () => string | null;
  logFiles?: TaskLogOptions;
  /** How often output is written and sent (default 50 ms). */
  flushMs?: number;
  procRoot?: string;
  now?: () => number;
  uploadLimits?: UploadLimits;
  /** How often schedules are looked at (default 10 s). */
  scheduleCheckMs?: number;
}

export interface TaskEvents {
  changed(task: TaskInfo): void;
  removed(id: string): void;
  lines(id: string, lines: LogLine[]): void;
}

/** The longest a start-up waits for a left-behind task to stop before it is killed. */
const REAP_GRACE_MS = 5000;

export class TaskSupervisor {
  readonly tokens = new TaskTokens();
  private readonly store: TaskStore;
  private readonly runners = new Map<string, TaskRunner>();
  private readonly logs = new Map<string, TaskLog>();
  private readonly runTokens = new Map<string, string>();
  private readonly pending = new Map<string, LogLine[]>();
  private readonly listeners = new Set<Partial<TaskEvents>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly context: RunnerContext;
  private closed = false;
  private shuttingDown: Promise<void> | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TaskSupervisorOptions) {
    this.store = new TaskStore(options.db);
    const now = options.now ?? Date.now;
    this.context = {
      store: this.store,
      environment: (runner, run) => this.environment(runner, run),
      runEnded: (runner, run) => {
        const key = `${runner.id}:${run}`;
        const token = this.runTokens.get(key);
        if (token !== undefined) this.tokens.revoke(token);
        this.runTokens.delete(key);
      },
      output: (runner, lines) => this.output(runner.id, lines),
      changed: (runner) => this.emit('changed', runner.info()),
      home: (id) => this.home(id),
      now,
      procRoot: options.procRoot ?? '/proc',
    };
    for (const stored of this.store.all()) this.runners.set(stored.id, new TaskRunner(stored, this.context));
    // Uploads an agent was unpacking when it stopped are no task's.
    rmSync(join(options.dataDir, 'tasks', '.uploads'), { recursive: true, force: true });
  }

  on(listener: Partial<TaskEvents>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): TaskInfo[] {
    return [...this.runners.values()].map((runner) => runner.info());
  }

  get(id: string): TaskInfo {
    return this.runner(id).info();
  }

  /**
   * Registers a task (and starts it when asked); a taken name is a conflict. `app`: a folder of
   * files to move into the task's own folder as `app/` (an upload, staged).
   */
  create(input: CreateTaskInput, app?: string): TaskInfo {
    this.requireOpen();
    const { start, schedule, cwd, ...rest } = input;
    const spec: TaskSpec = { ...rest, cwd: cwd ?? null, schedule: schedule ?? null };
    this.requireFreeName(spec.name);
    let id = newTaskId();
    while (this.runners.has(id)) id = newTaskId();
    const home = this.home(id);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const stored = { id, spec, desired: 'stopped' as const, state: 'stopped' as const, reason: null, restarts: 0, created: this.context.now(), scheduledOn: null, scheduleStopped: false };
    try {
      if (app !== undefined) renameSync(app, join(home, 'app'));
      this.store.insert(stored);
    } catch (error) {
      rmSync(home, { recursive: true, force: true });
      throw error;
    }
    const runner = new TaskRunner(stored, this.context);
    this.runners.set(id, runner);
    this.emit('changed', runner.info());
    if (start) runner.start();
    return runner.info();
  }

  /** A submitted script or bundle, unpacked into the task's folder (`app/`) and registered. */
  async upload(input: UploadTaskInput): Promise<TaskInfo> {
    this.requireOpen();
    this.requireFreeName(input.name);
    const staged = await stageUpload(input.file, join(this.options.dataDir, 'tasks', '.uploads'), this.options.uploadLimits);
    try {
      const entry = chooseEntry(staged.files, input.entry);
      const command = input.command ?? runnerFor(entry);
      if (command === undefined || command === null) {
        throw new ApiError('invalid_request', `command: say which program runs ${entry} (its extension is not one the agent knows)`, { field: 'command' });
      }
      const { file: _file, entry: _entry, ...rest } = input;
      // A command the user gave gets the arguments as given; one the agent chose runs the entry.
      const args = input.command === undefined ? [entry, ...input.args] : input.args;
      return this.create({ ...rest, command, args, cwd: 'app' }, staged.dir);
    } finally {
      rmSync(dirname(staged.dir), { recursive: true, force: true });
    }
  }

  start(id: string): TaskInfo {
    this.requireOpen();
    const runner = this.runner(id);
    runner.start();
    return runner.info();
  }

  /** Starts every task not running or about to (a `waiting` one restarts at once). */
  startAll(): TaskInfo[] {
    this.requireOpen();
    for (const runner of this.runners.values()) if (!runner.busy && !runner.isRetired) runner.start();
    return this.list();
  }

  /** Stops every task that runs or waits to restart, all at once; answers when all have stopped. */
  async stopAll(): Promise<TaskInfo[]> {
    await Promise.all([...this.runners.values()].filter((runner) => runner.wantsToRun || runner.busy).map((runner) => runner.stop()));
    return this.list();
  }

  async stop(id: string): Promise<TaskInfo> {
    const runner = this.runner(id);
    await runner.stop();
    return runner.info();
  }

  async restart(id: string): Promise<TaskInfo> {
    this.requireOpen();
    const runner = this.runner(id);
    await runner.restart();
    return runner.info();
  }

  /** Stops the task (its whole tree), then forgets it: its runs, its logs and its folder. */
  async remove(id: string): Promise<{ removed: string }> {
    const runner = this.runner(id);
    runner.retire();
    await runner.stop('the task was removed');
    if (!this.runners.has(id)) return { removed: id };
    this.runners.delete(id);
    this.flush();
    this.store.remove(id);
    this.tokens.revokeTask(id);
    this.logOf(id).close();
    this.logs.delete(id);
    rmSync(this.home(id), { recursive: true, force: true });
    this.emit('removed', id);
    return { removed: id };
  }

  readLogs(id: string, query: LogQuery): LogLine[] {
    this.runner(id);
    this.flush();
    return this.logOf(id).read(query);
  }

  runs(id: string, limit: number): TaskRun[] {
    this.runner(id);
    return this.store.runs(id, limit);
  }

  /** The running tasks' process group leaders, for statistics. */
  roots(): Array<{ id: string; pid: number }> {
    const roots: Array<{ id: string; pid: number }> = [];
    for (const runner of this.runners.values()) if (runner.pid !== null) roots.push({ id: runner.id, pid: runner.pid });
    return roots;
  }

  /** New statistics of the running tasks, by task id. */
  setUsage(usage: ReadonlyMap<string, ProcessTreeUsage>): void {
    for (const runner of this.runners.values()) {
      const next = usage.get(runner.id) ?? null;
      if (next === null && runner.usage === null) continue;
      runner.usage = runner.pid === null ? null : next;
      this.emit('changed', runner.info());
    }
  }

  /** The agent's start: `reapLeftovers`, then `resume`. */
  async recover(): Promise<void> {
    await this.reapLeftovers();
    this.resume();
  }

  /**
   * Stops every process a previous agent left running (runs it never closed). Call before the
   * API listens: until it is done nothing may start a task, or it would run twice.
   */
  async reapLeftovers(): Promise<void> {
    const open = this.store.openRuns();
    if (open.length === 0) return;
    const reaped = await Promise.all(open.map((run) => this.reap(run)));
    const processes = reaped.reduce((sum, n) => sum + n, 0);
    this.options.log.warn({ runs: open.length, processes }, `the agent had stopped without stopping its tasks: ${processes} processes of ${open.length} runs left behind were stopped`);
  }

  /** Starts the tasks whose desired state is running, and the schedules. Call once the API listens (tasks get its URL). */
  resume(): void {
    for (const runner of this.runners.values()) runner.resume();
    this.applySchedules();
    this.scheduleTimer = setInterval(() => this.applySchedules(), this.options.scheduleCheckMs ?? 10_000);
    this.scheduleTimer.unref();
  }

  /**
   * Starts each scheduled task once when its window opens (also an agent started late within
   * the window), and stops it once when the window ends; in between, the user's starts and
   * stops stand.
   */
  applySchedules(now = this.context.now()): void {
    if (this.closed) return;
    for (const runner of this.runners.values()) {
      const schedule = runner.spec.schedule;
      if (!schedule) continue;
      const window = windowAt(schedule, now);
      if (window && runner.scheduledOn !== window.date) {
        runner.scheduledOn = window.date;
        runner.scheduleStopped = false;
        try {
          runner.start('started by its schedule');
        } catch {
          // being removed
        }
      } else if (!window && runner.scheduledOn !== null && !runner.scheduleStopped && now >= windowOn(schedule, runner.scheduledOn).stopAt) {
        runner.scheduleStopped = true;
        void runner.stop('stopped by its schedule');
      }
    }
  }

  /** Stops every task, keeping what the user wants to run for the next start. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.shutDownAll();
    return this.shuttingDown;
  }

  private async shutDownAll(): Promise<void> {
    this.closed = true;
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    await Promise.all([...this.runners.values()].map((runner) => runner.shutdown()));
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flush();
    for (const log of this.logs.values()) log.close();
    this.logs.clear();
  }

  home(id: string): string {
    return join(this.options.dataDir, 'tasks', id);
  }

  private runner(id: string): TaskRunner {
    const runner = this.runners.get(id);
    if (!runner) throw new ApiError('not_found', `No task ${id} on this agent.`, { field: 'id' });
    return runner;
  }

  private requireFreeName(name: string): void {
    if (this.store.idOfName(name) !== undefined) throw new ApiError('conflict', `A task named "${name}" exists already.`, { field: 'name' });
  }

  private requireOpen(): void {
    if (this.closed) throw new ApiError('unavailable', 'The agent is stopping.');
  }

  private environment(runner: TaskRunner, run: number): Record<string, string> {
    const token = this.tokens.issue(runner.id);
    this.runTokens.set(`${runner.id}:${run}`, token);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(childEnv())) if (value !== undefined) env[name] = value;
    // Python buffers a pipe's output by the block: a log line would show minutes late.
    env.PYTHONUNBUFFERED = '1';
    // `node` is the agent's own runtime; inside the desktop app that is Electron, run as Node.
    if (process.versions.electron !== undefined && runner.spec.command === 'node') env.ELECTRON_RUN_AS_NODE = '1';
    Object.assign(env, runner.spec.env);
    env[TASK_ENV.url] = this.options.agentUrl() ?? '';
    env[TASK_ENV.token] = token;
    env[TASK_ENV.taskId] = runner.id;
    env[TASK_ENV.taskName] = runner.name;
    return env;
  }

  private output(id: string, lines: LogLine[]): void {
    const pending = this.pending.get(id);
    if (pending) pending.push(...lines);
    else this.pending.set(id, lines);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.options.flushMs ?? 50);
  }

  private flush(): void {
    for (const [id, lines] of this.pending) {
      try {
        this.logOf(id).append(lines);
      } catch (error) {
        this.options.log.error({ err: error, task: id }, 'cannot write the task log');
      }
      this.emit('lines', id, lines);
    }
    this.pending.clear();
  }

  private logOf(id: string): TaskLog {
    let log = this.logs.get(id);
    if (!log) {
      log = new TaskLog(join(this.home(id), 'logs'), this.options.logFiles);
      this.logs.set(id, log);
    }
    return log;
  }

  private emit<K extends keyof TaskEvents>(event: K, ...args: Parameters<TaskEvents[K]>): void {
    for (const listener of this.listeners) {
      try {
        (listener[event] as ((...a: Parameters<TaskEvents[K]>) => void) | undefined)?.(...args);
      } catch (error) {
        this.options.log.error({ err: error, event }, 'a task listener failed');
      }
    }
  }

  /** Stops what one unclosed run left running; returns how many processes it signalled. */
  private async reap(open: OpenRun): Promise<number> {
    const graceMs = Math.min(REAP_GRACE_MS, (this.runners.get(open.task)?.spec.stopTimeoutSeconds ?? 5) * 1000);
    const leftover = await stopLeftover(open, { procRoot: this.context.procRoot, graceMs, now: this.context.now });
    if (leftover.kind === 'unverified') {
      // The task is not started (two copies of an algo would both trade), and the user is told to check.
      const reason = `a process of its run ${open.run} (pid ${open.pid}) may still be running: the agent stopped without stopping it and cannot tell on this system; stop that process, then start the task`;
      this.runners.get(open.task)?.hold(reason);
      this.store.runEnded(open.task, open.run, this.context.now(), { code: null, signal: null, reason: 'the agent stopped without stopping it' });
      return 0;
    }
    const signalled = leftover.processes;
    const reason = 'left running by an agent that did not stop cleanly; stopped when the agent started again';
    this.store.runEnded(open.task, open.run, this.context.now(), { code: null, signal: signalled > 0 ? 'SIGTERM' : null, reason });
    if (this.runners.has(open.task)) this.output(open.task, [{ time: this.context.now(), run: open.run, stream: 'agent', text: `run ${open.run} was ${reason} (${signalled} processes)` }]);
    return signalled;
  }

}

function newTaskId(): string {
  return randomBytes(6).toString('hex');
}
