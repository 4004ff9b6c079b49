/**
 * The `tasks` and `logs` topics: task changes (state, and each second's statistics) batched into
 * one message a turn of the event loop, and one task's output as it is written. A task's own
 * token sees only its own task.
 */
import type { LogsMessage, Topics, TasksMessage } from '../../shared/contract/stream';
import type { Principal } from '../../shared/contract/scopes';
import type { TaskInfo } from '../../shared/task';
import type { TaskSupervisor } from '../tasks/task-supervisor';
import type { TopicHandler } from './stream-core';
import { TurnBatch } from './turn-batch';

/** Whether `principal` sees task `id`: everybody but a task sees every task. */
function sees(principal: Principal | undefined, id: string): boolean {
  return principal?.kind !== 'task' || principal.taskId === id;
}

export function tasksTopic(supervisor: TaskSupervisor): TopicHandler<Topics['tasks']> {
  return {
    open(peer, principal) {
      let stopListening: (() => void) | undefined;
      const changed = new TurnBatch<TaskInfo>((tasks) => peer.reply({ type: 'tasks', tasks } satisfies TasksMessage));
      return {
        subscribe() {
          stopListening ??= supervisor.on({
            changed(task) {
              if (sees(principal, task.id)) changed.add(task.id, task);
            },
            removed(id) {
              if (!sees(principal, id)) return;
              changed.delete(id);
              peer.reply({ type: 'task_removed', id } satisfies TasksMessage);
            },
          });
          return { tasks: supervisor.list().filter((task) => sees(principal, task.id)) };
        },
        unsubscribe() {
          stopListening?.();
          stopListening = undefined;
          changed.clear();
          return {};
        },
        close() {
          stopListening?.();
          stopListening = undefined;
          changed.clear();
        },
      };
    },
  };
}

export function logsTopic(supervisor: TaskSupervisor): TopicHandler<Topics['logs']> {
  return {
    open(peer) {
      const followed = new Set<string>();
      let stopListening: (() => void) | undefined;
      const listen = () =>
        supervisor.on({
          lines(task, lines) {
            if (followed.has(task)) peer.reply({ type: 'logs', task, lines } satisfies LogsMessage);
          },
          removed(task) {
            followed.delete(task);
          },
        });
      return {
        subscribe({ task }) {
          supervisor.get(task);
          followed.add(task);
          stopListening ??= listen();
          return { task };
        },
        unsubscribe({ task }) {
          followed.delete(task);
          return { task };
        },
        close() {
          stopListening?.();
          stopListening = undefined;
          followed.clear();
        },
      };
    },
  };
}
