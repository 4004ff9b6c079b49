/**
 * A task: a command an agent runs and watches (an algo, or a job), with its restart policy, how
 * it is stopped, and what it is doing now.
 */

export const RESTART_POLICIES = ['never', 'on-failure', 'always'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface RestartSpec {
  policy: RestartPolicy;
  /** Restarts allowed within `windowSeconds`; one more crash and the task is `errored`. */
  maxRestarts: number;
  windowSeconds: number;
  /** The delay before the second restart in a window (the first is at once); it doubles up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Start and stop times on the exchange's trading days, in the exchange's zone. */
export interface TaskSchedule {
  /** `HH:MM`. */
  start: string;
  stop: string;
  /** The exchange's time zone (IANA); default `Asia/Kolkata`. */
  timeZone: string;
  /** Monday to Friday only (the exchange's days); false: every day. */
  weekdaysOnly: boolean;
}

/** What a user registers. */
export interface TaskSpec {
  name: string;
  /** `node` and `python3`/`python` are looked up as usual; `node` is this agent's own Node. */
  command: string;
  args: string[];
  /** Relative to the task's own folder in the agent's data dir (the default). */
  cwd: string | null;
  env: Record<string, string>;
  restart: RestartSpec;
  stopSignal: StopSignal;
  /** After the stop signal, how long before the whole process tree is killed. */
  stopTimeoutSeconds: number;
  schedule: TaskSchedule | null;
  labels: Record<string, string>;
}

/**
 * - `stopped`: not running, and not meant to (a user stopped it, or it never started).
 * - `starting` / `running` / `stopping`.
 * - `waiting`: it died and restarts after a backoff (`nextStartAt`).
 * - `exited`: it ended by itself with code 0 and its policy does not restart it.
 * - `errored`: it failed and will not be restarted (`reason` says why): its policy, too many
 *   restarts within the window, or a command that cannot start.
 */
export const TASK_STATES = ['stopped', 'starting', 'running', 'stopping', 'waiting', 'exited', 'errored'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface TaskExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface TaskInfo extends TaskSpec {
  id: string;
  state: TaskState;
  /** Whether the agent keeps it running (and brings it back after its own restart). */
  desired: 'running' | 'stopped';
  pid: number | null;
  /** The current (or last) run's number; runs count from 1. */
  run: number;
  startedAt: string | null;
  uptimeSeconds: number | null;
  /** Automatic restarts since a user last started it. */
  restarts: number;
  lastExit: TaskExit | null;
  /** Why it is `errored` or `waiting`. */
  reason: string | null;
  nextStartAt: string | null;
  /** Summed over the task's whole process tree; null when it is not running. */
  cpuPercent: number | null;
  rssMb: number | null;
  processes: number | null;
  createdAt: string;
}

/** One run of a task: a process from its start to its end. */
export interface TaskRun {
  run: number;
  pid: number | null;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  /** Who or what ended it, when not the process itself (`stopped by a user`, `killed after 10 s`…). */
  reason: string | null;
}

export type LogStream = 'stdout' | 'stderr' | 'agent';

/** A line of a task's output, or a line the agent wrote about it (`agent`: started, exited…). */
export interface LogLine {
  /** Milliseconds since the epoch. */
  time: number;
  run: number;
  stream: LogStream;
  text: string;
}

/** What the agent puts in every task's environment, for the SDK. */
export const TASK_ENV = {
  url: 'ALGODECK_URL',
  token: 'ALGODECK_TASK_TOKEN',
  taskId: 'ALGODECK_TASK_ID',
  taskName: 'ALGODECK_TASK_NAME',
} as const;
