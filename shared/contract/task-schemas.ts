/** Validation of tasks: what a user registers, and the calls about one task. */
import { z } from 'zod';
import { RESTART_POLICIES, STOP_SIGNALS, TASK_ENV } from '../task';

export const MAX_TASK_ARGS = 256;
export const MAX_TASK_ENV = 256;
export const MAX_LOG_TAIL = 5000;

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const noControl = (text: string) => !/[\x00-\x1f\x7f]/.test(text);

export const taskNameSchema = z
  .string()
  .trim()
  .min(1, 'name the task')
  .max(64, 'at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, spaces and . _ - (starting with a letter or digit)');

/** Task ids are the agent's: 12 lowercase hex digits. */
export const taskIdSchema = z.string().regex(/^[0-9a-f]{12}$/, 'not a task id');

// A NUL cannot pass through exec, so it is refused here, not at spawn time.
const argument = z.string().max(4096, 'at most 4096 characters').refine((text) => !text.includes('\0'), 'no NUL characters');

const reservedEnv = new Set<string>(Object.values(TASK_ENV));
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)')
  .max(128)
  .refine((name) => !reservedEnv.has(name), 'set by the agent for every task');

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24-hour)');

function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const taskScheduleSchema = z
  .strictObject({
    start: clockTime,
    stop: clockTime,
    timeZone: z.string().max(64).refine(knownTimeZone, 'an IANA time zone such as Asia/Kolkata').default('Asia/Kolkata'),
    weekdaysOnly: z.boolean().default(true),
  })
  .refine((schedule) => schedule.start !== schedule.stop, { message: 'must differ from the start', path: ['stop'] });

export const restartSpecSchema = z
  .strictObject({
    policy: z.enum(RESTART_POLICIES).default('on-failure'),
    maxRestarts: z.number().int().min(0).max(1000).default(10),
    windowSeconds: z.number().int().min(1).max(86_400).default(60),
    initialDelayMs: z.number().int().min(100).max(600_000).default(1000),
    maxDelayMs: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .refine((spec) => spec.maxDelayMs >= spec.initialDelayMs, { message: 'must be at least initialDelayMs', path: ['maxDelayMs'] });

const labelsSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'label names: letters, digits, _ . - (up to 32)'), z.string().max(64).refine(noControl, 'no control characters'))
  .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels')
  .default({});

/** A task as a user registers it (`POST /api/v1/tasks`); `start` starts it at once. */
export const createTaskInput = z.strictObject({
  name: taskNameSchema,
  command: z.string().min(1, 'name the command').max(4096).refine((text) => !text.includes('\0') && noControl(text), 'no control characters'),
  args: z.array(argument).max(MAX_TASK_ARGS, `at most ${MAX_TASK_ARGS} arguments`).default([]),
  cwd: z.string().min(1).max(4096).refine((text) => !text.includes('\0'), 'no NUL characters').optional(),
  env: z
    .record(envName, argument)
    .refine((env) => Object.keys(env).length <= MAX_TASK_ENV, `at most ${MAX_TASK_ENV} variables`)
    .default({}),
  restart: restartSpecSchema.default({ policy: 'on-failure', maxRestarts: 10, windowSeconds: 60, initialDelayMs: 1000, maxDelayMs: 30_000 }),
  stopSignal: z.enum(STOP_SIGNALS).default('SIGTERM'),
  stopTimeoutSeconds: z.number().int().min(1).max(600).default(10),
  schedule: taskScheduleSchema.optional(),
  labels: labelsSchema,
  start: z.boolean().default(false),
});
export type CreateTaskInput = z.output<typeof createTaskInput>;

export const taskIdInput = z.strictObject({ id: taskIdSchema });

const queryInteger = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const taskLogsInput = z.strictObject({
  id: taskIdSchema,
  tail: queryInteger(1, MAX_LOG_TAIL).default(200),
  /** Lines of this run only. */
  run: queryInteger(1, 2 ** 31).optional(),
  /** Lines holding this text (case-insensitive). */
  search: z.string().min(1).max(200).optional(),
  stream: z.enum(['stdout', 'stderr', 'agent']).optional(),
});
export type TaskLogsQuery = z.output<typeof taskLogsInput>;

export const taskRunsInput = z.strictObject({
  id: taskIdSchema,
  limit: queryInteger(1, 1000).default(50),
});

/** The `logs` topic: live lines of one task. */
export const taskLogSelectionSchema = z.strictObject({ task: taskIdSchema });

/** The largest upload: a script, or a bundle (`.tar.gz`, `.tgz`, `.tar`) of an algo's files. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** A file name as uploaded: a plain name, never a path. */
const uploadName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !/[/\\]/.test(name) && name !== '.' && name !== '..' && noControl(name) && !name.startsWith('.'), 'a plain file name (no folders, not hidden)');

/**
 * `POST /api/v1/tasks/upload` (multipart): the task's fields as in `POST /api/v1/tasks`, but the
 * command may be left out (it follows the entry's extension: `.py` runs with python3, `.js`,
 * `.mjs` and `.cjs` with node, `.sh` with sh), and the file to run in a bundle is `entry`.
 */
export const uploadTaskInput = createTaskInput
  .omit({ command: true, cwd: true })
  .extend({
    command: createTaskInput.shape.command.optional(),
    /** The bundle's file to run (a path inside it); a single script is its own entry. */
    entry: z
      .string()
      .min(1)
      .max(1024)
      .refine((path) => noControl(path) && !path.startsWith('/') && !path.split(/[/\\]/).includes('..'), 'a path inside the bundle')
      .optional(),
    file: z.strictObject({ filename: uploadName, data: z.instanceof(Uint8Array) }, 'attach the script or bundle as the "file" part'),
  });
export type UploadTaskInput = z.output<typeof uploadTaskInput>;
