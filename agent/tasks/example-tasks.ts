/**
 * The example algos, registered as tasks (stopped) the first time an agent on the simulated market
 * starts on a fresh data folder: a new user sees them in the cockpit and presses start. Built to
 * `dist/examples/` (the TypeScript ones bundled with the SDK; the Python one beside a copy of the
 * Python SDK, which it imports from its own folder). Never on a broker's market: an example must
 * not trade real money because it was there.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createTaskInput, type CreateTaskInput } from '../../shared/contract/task-schemas';
import type { AgentDb } from '../store/agent-db';
import type { TaskSupervisor } from './task-supervisor';
import { pythonFor } from './task-upload';

/** Set once the examples were offered, so a user who removes them does not get them back. */
export const EXAMPLES_SEEDED = 'examples.seeded';

/** Where the built examples are: given, or `dist/examples` beside the agent (from source or built). */
export function examplesDir(given?: string | null, moduleUrl: string = import.meta.url): string {
  if (given) return resolve(given);
  return fileURLToPath(new URL(moduleUrl.endsWith('.ts') ? '../../dist/examples' : '../examples', moduleUrl));
}

interface Example {
  file: string;
  spec: Omit<Partial<CreateTaskInput>, 'name'> & { name: string; command: string; args: string[] };
}

function examples(dir: string): Example[] {
  const label = (language: string) => ({ example: 'yes', language });
  const pair = (name: string): Example => ({
    file: 'risk-aware-pair.mjs',
    spec: { name, command: 'node', args: [join(dir, 'risk-aware-pair.mjs'), '--instruments', 'NSE:TCS,NSE:HDFCBANK,NSE:ITC', '--quantity', '5', '--hold-seconds', '120', '--stop-pct', '0.5'], labels: label('TypeScript') },
  });
  return [
    {
      file: 'ma-crossover.mjs',
      spec: { name: 'ma-crossover', command: 'node', args: [join(dir, 'ma-crossover.mjs'), '--instrument', 'NSE:INFY', '--interval', '5minute', '--fast', '9', '--slow', '21', '--quantity', '10', '--stop-pct', '1'], labels: label('TypeScript') },
    },
    {
      file: 'breakout.py',
      spec: { name: 'breakout', command: pythonFor(), args: [join(dir, 'breakout.py'), '--instrument', 'NSE:RELIANCE', '--interval', 'minute', '--channel', '15', '--quantity', '5', '--stop-pct', '1'], labels: label('Python') },
    },
    pair('pair-a'),
    pair('pair-b'),
  ];
}

/** The example tasks whose files are built in `dir`, as `POST /api/v1/tasks` would take them. */
export function exampleTasks(dir: string): CreateTaskInput[] {
  return examples(dir)
    .filter((example) => existsSync(join(dir, example.file)))
    .map((example) => createTaskInput.parse({ ...example.spec, cwd: dir }));
}

/**
 * Registers the examples once per data folder (stopped). A name a user already took is left to
 * them. Answers how many were registered.
 */
export function seedExamples(tasks: TaskSupervisor, db: AgentDb, dir: string, log: Logger): number {
  if (db.setting(EXAMPLES_SEEDED) !== undefined) return 0;
  const built = exampleTasks(dir);
  // Not built (an agent run from source before a build): offered by a later start that has them.
  if (built.length === 0) return 0;
  const taken = new Set(tasks.list().map((task) => task.name.toLowerCase()));
  const fresh = built.filter((spec) => !taken.has(spec.name.toLowerCase()));
  for (const spec of fresh) tasks.create(spec);
  db.saveSettings({ [EXAMPLES_SEEDED]: new Date().toISOString() });
  if (fresh.length > 0) log.info({ examples: fresh.map((spec) => spec.name) }, 'the example algos are registered as tasks, stopped: start them from the cockpit');
  return fresh.length;
}
