/**
 * Tasks as a service: the supervisor, its API methods and stream topics, and the task tokens
 * among the agent's principals. What a killed agent left running is reaped at the service's
 * start, before the API listens; the tasks that should run start once it listens (`resume`),
 * with the agent's URL in their environment.
 */
import type { Logger } from 'pino';
import type { Api } from '../../shared/contract/api';
import type { Topics } from '../../shared/contract/stream';
import type { ApiCore } from '../api/api-core';
import type { Authenticator } from '../server/auth';
import type { AgentDb } from '../store/agent-db';
import { logsTopic, tasksTopic } from '../stream/task-topics';
import type { StreamCore } from '../stream/stream-core';
import { seedExamples } from '../tasks/example-tasks';
import type { TaskLogOptions } from '../tasks/task-log';
import { TaskSupervisor } from '../tasks/task-supervisor';
import type { Service } from './service';

export interface TasksServiceOptions {
  db: AgentDb;
  dataDir: string;
  log: Logger;
  auth: Authenticator;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  agentUrl: () => string | null;
  logFiles?: TaskLogOptions;
  /** Where the built example algos are, to offer them on a fresh data folder; null: never. */
  examples?: string | null;
}

export function tasksService(options: TasksServiceOptions): Service<TaskSupervisor> {
  let supervisor: TaskSupervisor | undefined;
  let removeResolver: (() => void) | undefined;
  return {
    name: 'tasks',
    async start() {
      const tasks = new TaskSupervisor({
        db: options.db.db,
        dataDir: options.dataDir,
        log: options.log,
        agentUrl: options.agentUrl,
        ...(options.logFiles ? { logFiles: options.logFiles } : {}),
      });
      supervisor = tasks;
      removeResolver = options.auth.add(tasks.tokens);
      options.api.provide({
        listTasks: (_params, { principal }) => ({
          tasks: tasks.list().filter((task) => principal?.kind !== 'task' || principal.taskId === task.id),
        }),
        createTask: (input) => tasks.create(input),
        uploadTask: (input) => tasks.upload(input),
        startAllTasks: () => ({ tasks: tasks.startAll() }),
        stopAllTasks: async () => ({ tasks: await tasks.stopAll() }),
        getTask: ({ id }) => tasks.get(id),
        startTask: ({ id }) => tasks.start(id),
        stopTask: ({ id }) => tasks.stop(id),
        restartTask: ({ id }) => tasks.restart(id),
        deleteTask: ({ id }) => tasks.remove(id),
        getTaskLogs: ({ id, ...query }) => ({ lines: tasks.readLogs(id, query) }),
        listTaskRuns: ({ id, limit }) => ({ runs: tasks.runs(id, limit) }),
      });
      options.stream.provide({ tasks: tasksTopic(tasks), logs: logsTopic(tasks) });
      // Before the API listens: nothing can start a task while a killed agent's copy still runs.
      await tasks.reapLeftovers();
      if (options.examples) seedExamples(tasks, options.db, options.examples, options.log);
      return tasks;
    },
    async stop() {
      await supervisor?.shutdown();
      removeResolver?.();
    },
  };
}
