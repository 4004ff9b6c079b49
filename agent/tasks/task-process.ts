/**
 * One run's process: spawned as the leader of its own process group (so a signal to the group
 * reaches every process it starts), its output split into lines, and what it leaves in its group
 * killed when it ends. The runner decides when; this is how.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { LogStream, TaskSpec } from '../../shared/task';
import { groupRemnants, type ProcessIdentity, signalEach, signalGroup } from './process-tree';
import { LineSplitter } from './task-log';

export interface Run {
  number: number;
  child: ChildProcess;
  pid: number | null;
  procStart: number | null;
  startedAt: number;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** A stop in progress: why, what is left to do after it, and its waiters. */
export interface Stopping {
  reason: string;
  /** Keep `desired` as it is (the agent is stopping, not the user). */
  keepDesired: boolean;
  startAfter: boolean;
  killed: boolean;
  since: number;
  escaped: ProcessIdentity[];
  timer: NodeJS.Timeout | undefined;
  done: Array<() => void>;
}

/** How long output may keep flowing after the process ended (a descendant holding the pipe). */
const CLOSE_WAIT_MS = 2000;

/** The task's working folder: its own by default; a relative one starts there. */
export function workingFolder(spec: TaskSpec, home: string): string {
  return spec.cwd === null ? home : isAbsolute(spec.cwd) ? spec.cwd : resolve(home, spec.cwd);
}

/** Why `dir` cannot be a working folder, or null when it can. */
export function folderProblem(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : `the working folder ${dir} is not a folder`;
  } catch {
    return `the working folder ${dir} does not exist`;
  }
}

/** Spawns the task's command (`node` is the agent's own runtime); throws what spawn throws. */
export function spawnTask(spec: TaskSpec, cwd: string, env: Record<string, string>): ChildProcess {
  return spawn(spec.command === 'node' ? process.execPath : spec.command, spec.args, {
    cwd,
    env,
    // Its own process group: a signal to the group reaches every process it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
}

/** A spawn failure as a user reads it. */
export function startFailure(error: NodeJS.ErrnoException, command: string): string {
  if (error.code === 'ENOENT') return `command not found: ${command}`;
  if (error.code === 'EACCES') return `not allowed to run ${command} (is it executable?)`;
  return error.message;
}

/** Hands each stream's complete lines to `lines`, as they come and at the end. */
export function captureOutput(child: ChildProcess, lines: (stream: LogStream, texts: string[]) => void): void {
  const pipe = (stream: NodeJS.ReadableStream | null, name: LogStream) => {
    if (!stream) return;
    const splitter = new LineSplitter();
    stream.on('data', (chunk: Buffer) => lines(name, splitter.push(chunk)));
    stream.on('end', () => lines(name, splitter.end()));
    stream.on('error', () => undefined);
  };
  pipe(child.stdout, 'stdout');
  pipe(child.stderr, 'stderr');
}

/**
 * The leader ended: what it left in its group dies with it (a task never leaves orphans), and
 * output a descendant still holds open is cut after a moment, so the run can close.
 */
export function leaderExited(run: Run, procRoot: string): void {
  if (run.pid !== null && run.procStart !== null) signalEach(groupRemnants(run.pid, run.procStart), 'SIGKILL', procRoot);
  else if (run.pid !== null) signalGroup(run.pid, 'SIGKILL');
  const wait = setTimeout(() => {
    run.child.stdout?.destroy();
    run.child.stderr?.destroy();
  }, CLOSE_WAIT_MS);
  run.child.once('close', () => clearTimeout(wait));
}
