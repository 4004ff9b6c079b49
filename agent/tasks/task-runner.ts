/**
 * One task over time: its process (a group leader of its own, so the whole tree can be signalled),
 * its output, and its restart policy. A process that dies is started again after a backoff that
 * grows while it keeps dying; too many deaths within the window and the task is `errored`, with
 * the reason. A stop sends the task's signal to the tree and kills what is left after its grace.
 */
import type { ChildProcess } from 'node:child_process';
import { ApiError } from '../../shared/errors';
import type { LogLine, LogStream, TaskInfo, TaskSpec, TaskState } from '../../shared/task';
import type { ProcessTreeUsage } from '../../shared/system';
import { RestartBackoff } from '../process/restart-backoff';
import { captureOutput, folderProblem, leaderExited, type Run, spawnTask, startFailure, type Stopping, workingFolder } from './task-process';
import { bootId, outsideGroup, type ProcessIdentity, signalEach, signalTask, startTimeOf } from './process-tree';
import type { RestingState, StoredTask, TaskStore } from './task-store';

export interface RunnerContext {
  store: TaskStore;
  /** The environment of a run: the agent's, the task's, and the SDK's variables with a fresh token. */
  environment(runner: TaskRunner, run: number): Record<string, string>;
  /** A run's process ended (its token dies with it). */
  runEnded(runner: TaskRunner, run: number): void;
  output(runner: TaskRunner, lines: LogLine[]): void;
  changed(runner: TaskRunner): void;
  /** The task's own folder: its default working folder, where a relative one starts. */
  home(id: string): string;
  now(): number;
  procRoot: string;
}


export class TaskRunner {
  readonly id: string;
  spec: TaskSpec;
  readonly createdAt: number;
  private state: TaskState;
  private desired: 'running' | 'stopped';
  private reason: string | null;
  private restarts: number;
  private runNumber: number;
  private current: Run | undefined;
  private lastExit: TaskInfo['lastExit'] = null;
  private stopping: Stopping | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextStartAt: number | null = null;
  private backoff: RestartBackoff;
  /** Why the next launch happens, for its log line. */
  private startWhy: string | null = null;
  private retired = false;
  /** The schedule's window last started (its local date), and whether its stop was made. */
  scheduledOn: string | null;
  scheduleStopped: boolean;
  usage: ProcessTreeUsage | null = null;

  constructor(
    stored: StoredTask,
    private readonly context: RunnerContext,
  ) {
    this.id = stored.id;
    this.spec = stored.spec;
    this.createdAt = stored.created;
    this.state = stored.state;
    this.desired = stored.desired;
    this.reason = stored.reason;
    this.restarts = stored.restarts;
    this.scheduledOn = stored.scheduledOn;
    this.scheduleStopped = stored.scheduleStopped;
    this.runNumber = context.store.lastRun(stored.id);
    this.backoff = this.newBackoff();
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | null {
    return this.current?.pid ?? null;
  }

  get wantsToRun(): boolean {
    return this.desired === 'running';
  }

  get isRetired(): boolean {
    return this.retired;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  info(): TaskInfo {
    const running = this.current;
    const now = this.context.now();
    return {
      id: this.id,
      ...this.spec,
      state: this.state,
      desired: this.desired,
      pid: running?.pid ?? null,
      run: this.runNumber,
      startedAt: running ? new Date(running.startedAt).toISOString() : null,
      uptimeSeconds: running ? Math.max(0, Math.round((now - running.startedAt) / 1000)) : null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      reason: this.reason,
      nextStartAt: this.nextStartAt === null ? null : new Date(this.nextStartAt).toISOString(),
      cpuPercent: running ? (this.usage?.cpuPercent ?? 0) : null,
      rssMb: running ? (this.usage?.rssMb ?? 0) : null,
      processes: running ? (this.usage?.processes ?? 1) : null,
      createdAt: new Date(this.createdAt).toISOString(),
    };
  }

  /** A user's (or the schedule's) start: the task runs, and will again after the agent restarts. Restarts count from 0. */
  start(why = 'started by a user'): void {
    this.requireNotRetired();
    this.startWhy = why;
    this.desired = 'running';
    this.restarts = 0;
    this.backoff.reset();
    this.reason = null;
    if (this.stopping) {
      this.stopping.startAfter = true;
      this.save();
      return;
    }
    if (this.current) return this.save();
    this.cancelRestart();
    this.save();
    this.launch();
  }

  /** A user's stop: the task stays stopped, also after the agent restarts. */
  stop(reason = 'stopped by a user'): Promise<void> {
    this.desired = 'stopped';
    if (this.stopping) this.stopping.startAfter = false;
    return this.halt(reason, false);
  }

  /** Stops the task if it runs, then starts it. */
  async restart(): Promise<void> {
    this.requireNotRetired();
    if (!this.current) return this.start();
    const halted = this.halt('restarted by a user', false);
    this.stopping!.startAfter = true;
    this.desired = 'running';
    this.restarts = 0;
    this.backoff.reset();
    await halted;
  }

  /** The agent is stopping: the process stops, and `desired` stays what the user chose. */
  shutdown(): Promise<void> {
    if (this.stopping) this.stopping.startAfter = false;
    return this.halt('the agent stopped', true);
  }

  /** Starts the task if the user wants it running (the agent's start). */
  /**
   * The task is being removed: it never starts again, whatever asks (a user, its schedule, its
   * own token during its stop), so no process outlives its removal.
   */
  retire(): void {
    this.retired = true;
    this.cancelRestart();
    if (this.stopping) this.stopping.startAfter = false;
  }

  /** Keeps the task from starting on the agent's start, `errored` with the reason. */
  hold(reason: string): void {
    this.desired = 'stopped';
    this.rest('errored', reason);
  }

  private requireNotRetired(): void {
    if (this.retired) throw new ApiError('conflict', `${this.spec.name} is being removed.`);
  }

  resume(): void {
    if (this.desired === 'running' && !this.current) {
      this.reason = null;
      this.launch();
    }
  }

  /** A new spec: it applies from the next run. */
  replaceSpec(spec: TaskSpec): void {
    this.spec = spec;
    this.backoff = this.newBackoff();
    this.context.changed(this);
  }

  private newBackoff(): RestartBackoff {
    const { initialDelayMs, maxDelayMs, windowSeconds } = this.spec.restart;
    return new RestartBackoff({ immediate: 1, firstDelayMs: initialDelayMs, maxDelayMs, windowMs: windowSeconds * 1000, now: () => this.context.now() });
  }

  private halt(reason: string, keepDesired: boolean): Promise<void> {
    this.cancelRestart();
    const run = this.current;
    if (!run) {
      if (!keepDesired && (this.state === 'waiting' || this.state === 'starting' || this.state === 'running')) this.rest('stopped', null);
      else this.save();
      return Promise.resolve();
    }
    if (this.stopping) {
      const stopping = this.stopping;
      return new Promise((done) => stopping.done.push(done));
    }
    const stopping: Stopping = { reason, keepDesired, startAfter: false, killed: false, since: this.context.now(), escaped: [], timer: undefined, done: [] };
    this.stopping = stopping;
    this.state = 'stopping';
    this.save();
    this.context.changed(this);
    // A process still being spawned is signalled as soon as it has a pid; one that has exited
    // (its output still draining) is not signalled at all: its pid may be another's by now.
    if (run.pid !== null && run.exit === undefined) this.signalStop(run, stopping);
    return new Promise((done) => stopping.done.push(done));
  }

  private signalStop(run: Run, stopping: Stopping): void {
    if (run.pid === null) return;
    stopping.escaped = outsideGroup(run.pid);
    this.agentLine(run.number, `stopping: ${this.spec.stopSignal} to the process tree (${stopping.reason})`);
    signalTask(run.pid, this.spec.stopSignal);
    signalEach(stopping.escaped, this.spec.stopSignal, this.context.procRoot);
    stopping.timer = setTimeout(() => {
      stopping.killed = true;
      this.agentLine(run.number, `killing the process tree: it did not stop within ${this.spec.stopTimeoutSeconds} s of ${this.spec.stopSignal}`);
      this.killTree(run, stopping.escaped);
    }, this.spec.stopTimeoutSeconds * 1000);
  }

  private killTree(run: Run, escaped: readonly ProcessIdentity[]): void {
    if (run.pid === null) return;
    const more = run.exit === undefined ? outsideGroup(run.pid) : [];
    signalTask(run.pid, 'SIGKILL');
    signalEach([...escaped, ...more], 'SIGKILL', this.context.procRoot);
  }

  private launch(): void {
    if (this.retired) return;
    const number = ++this.runNumber;
    const startedAt = this.context.now();
    this.state = 'starting';
    this.nextStartAt = null;
    const cwd = workingFolder(this.spec, this.context.home(this.id));
    const problem = folderProblem(cwd);
    if (problem) return this.failedToStart(number, startedAt, problem);
    let child: ChildProcess;
    try {
      child = spawnTask(this.spec, cwd, this.context.environment(this, number));
    } catch (error) {
      return this.failedToStart(number, startedAt, `cannot start ${this.spec.command}: ${(error as Error).message}`);
    }
    const run: Run = { number, child, pid: null, procStart: null, startedAt, exit: undefined };
    this.current = run;
    captureOutput(child, (stream, texts) => this.lines(number, stream, texts));
    child.once('spawn', () => {
      run.pid = child.pid ?? null;
      run.procStart = run.pid === null ? null : startTimeOf(run.pid, this.context.procRoot);
      this.context.store.runStarted(this.id, number, startedAt, { pid: run.pid, boot: bootId(this.context.procRoot), procStart: run.procStart });
      if (this.state === 'starting') this.state = 'running';
      const why = this.startWhy === null ? '' : `, ${this.startWhy}`;
      this.startWhy = null;
      this.agentLine(number, `started run ${number}: ${[this.spec.command, ...this.spec.args].join(' ')} (pid ${run.pid}, in ${cwd}${why})`);
      if (this.stopping) this.signalStop(run, this.stopping);
      this.context.changed(this);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Only a process that never started ends here; other errors (a failed kill) change nothing.
      if (run.pid !== null || this.current !== run) return;
      this.current = undefined;
      this.failedToStart(number, startedAt, startFailure(error, this.spec.command));
    });
    child.once('exit', (code, signal) => {
      run.exit = { code, signal };
      leaderExited(run, this.context.procRoot);
    });
    child.once('close', () => {
      if (run.exit) this.ended(run, run.exit.code, run.exit.signal);
    });
    this.context.changed(this);
  }

  private lines(run: number, stream: LogStream, texts: string[]): void {
    if (texts.length === 0) return;
    const time = this.context.now();
    this.context.output(
      this,
      texts.map((text) => ({ time, run, stream, text })),
    );
  }

  private agentLine(run: number, text: string): void {
    this.lines(run, 'agent', [text]);
  }

  private failedToStart(number: number, startedAt: number, why: string): void {
    const now = this.context.now();
    this.context.store.runStarted(this.id, number, startedAt, { pid: null, boot: null, procStart: null });
    this.context.store.runEnded(this.id, number, now, { code: null, signal: null, reason: why });
    this.agentLine(number, `could not start: ${why}`);
    this.context.runEnded(this, number);
    this.desired = 'stopped';
    this.rest('errored', `could not start: ${why}`);
    const stopping = this.stopping;
    this.stopping = undefined;
    for (const done of stopping?.done ?? []) done();
  }

  private ended(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.current !== run) return;
    this.current = undefined;
    this.usage = null;
    const now = this.context.now();
    const stopping = this.stopping;
    this.stopping = undefined;
    if (stopping?.timer) clearTimeout(stopping.timer);
    if (stopping) signalEach(stopping.escaped, 'SIGKILL', this.context.procRoot);
    const seconds = ((now - (stopping?.since ?? now)) / 1000).toFixed(1);
    const reason = stopping ? (stopping.killed ? `killed after ${this.spec.stopTimeoutSeconds} s (${stopping.reason})` : stopping.reason) : null;
    this.context.store.runEnded(this.id, run.number, now, { code, signal, reason });
    this.lastExit = { code, signal, at: new Date(now).toISOString() };
    const how = signal ? `by ${signal}` : `with code ${code}`;
    this.agentLine(run.number, stopping ? `ended ${how} after ${seconds} s: ${reason}` : `exited ${how}`);
    this.context.runEnded(this, run.number);
    if (stopping) {
      if (stopping.startAfter) {
        this.save();
        this.launch();
      } else if (stopping.keepDesired) {
        this.state = 'stopped';
        this.context.changed(this);
      } else {
        this.rest('stopped', null);
      }
      for (const done of stopping.done) done();
      return;
    }
    this.afterDeath(run.number, code, how);
  }

  private afterDeath(run: number, code: number | null, how: string): void {
    const failed = code !== 0;
    const { policy, maxRestarts, windowSeconds } = this.spec.restart;
    if (policy === 'never' || (policy === 'on-failure' && !failed)) {
      this.desired = 'stopped';
      return this.rest(failed ? 'errored' : 'exited', failed ? `exited ${how}` : null);
    }
    const delay = this.backoff.died();
    const deaths = this.backoff.recentDeaths;
    if (deaths > maxRestarts) {
      this.desired = 'stopped';
      const why = `ended ${deaths} times within ${windowSeconds} s (at most ${maxRestarts} restarts); last exited ${how}`;
      this.agentLine(run, `errored: ${why}`);
      return this.rest('errored', why);
    }
    this.restarts++;
    if (delay === 0) {
      this.save();
      return this.launch();
    }
    this.state = 'waiting';
    this.reason = `exited ${how}; restarting in ${(delay / 1000).toFixed(1)} s`;
    this.nextStartAt = this.context.now() + delay;
    this.agentLine(run, this.reason);
    this.save();
    this.context.changed(this);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.reason = null;
      this.launch();
    }, delay);
  }

  private cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.nextStartAt = null;
  }

  private rest(state: RestingState, reason: string | null): void {
    this.state = state;
    this.reason = reason;
    this.nextStartAt = null;
    this.save();
    this.context.changed(this);
  }

  private save(): void {
    const resting: RestingState = this.state === 'exited' || this.state === 'errored' ? this.state : 'stopped';
    this.context.store.saveStatus(this.id, { desired: this.desired, state: resting, reason: this.reason, restarts: this.restarts, scheduledOn: this.scheduledOn, scheduleStopped: this.scheduleStopped });
  }
}
