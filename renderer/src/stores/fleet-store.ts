/**
 * The fleet page's slice: every agent (from `GET /api/v1/agents`, then live from the `fleet`
 * topic, each new sample appended to its sparklines), and the tasks of the agent the user looks
 * at (through the hub, live from the `tasks` topic with that agent). Actions answer with the
 * agent's new state or throw its error for the page to show.
 */
import { createStore } from 'zustand/vanilla';
import type { AgentInfo, AgentWithHistory } from '../../../shared/fleet';
import type { SystemHistory, SystemSample } from '../../../shared/system';
import type { TaskInfo } from '../../../shared/task';
import { errorOfReply } from '../../../shared/contract/client';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';
import { topicWatch } from './topic-watch';

/** Points kept per sparkline (five minutes at one a second). */
const HISTORY_POINTS = 300;

export interface FleetSlice {
  agents: AgentWithHistory[] | null;
  error: ShownError | null;
  /** The agent whose tasks are shown (its id). */
  selected: string | null;
  tasks: TaskInfo[] | null;
  tasksError: ShownError | null;
  /** Loads the agents and follows the fleet while a view shows it. */
  watch(): () => void;
  /** Follows the selected agent's tasks while a view shows them. */
  watchTasks(): () => void;
  select(agent: string): void;
  refreshTasks(): Promise<void>;
  startTask(id: string): Promise<void>;
  stopTask(id: string): Promise<void>;
  restartTask(id: string): Promise<void>;
  removeTask(id: string): Promise<void>;
  startAll(agent: string): Promise<void>;
  stopAll(agent: string): Promise<void>;
  forget(agent: string): Promise<void>;
}

/** The history with one more sample at its end (a new array each, so selectors see a change). */
export function withSample(history: SystemHistory | null, sample: SystemSample): SystemHistory {
  const at = Date.parse(sample.at);
  const base = history ?? { at: [], cpuPercent: [], memoryPercent: [], diskPercent: [], rxBytesPerSecond: [], txBytesPerSecond: [] };
  if (base.at.length > 0 && base.at[base.at.length - 1]! >= at) return base;
  const push = (values: number[], value: number) => [...values.slice(-(HISTORY_POINTS - 1)), value];
  return {
    at: push(base.at, at),
    cpuPercent: push(base.cpuPercent, sample.cpu.percent),
    memoryPercent: push(base.memoryPercent, sample.memory.percent),
    diskPercent: push(base.diskPercent, sample.disk?.percent ?? 0),
    rxBytesPerSecond: push(base.rxBytesPerSecond, sample.network.rxBytesPerSecond),
    txBytesPerSecond: push(base.txBytesPerSecond, sample.network.txBytesPerSecond),
  };
}

/** The agents after a `fleet` message: changed ones merged (a new sample extends the history), new ones added. */
export function mergeAgents(current: AgentWithHistory[], changed: AgentInfo[]): AgentWithHistory[] {
  const byId = new Map(changed.map((agent) => [agent.id, agent]));
  const merged = current.map((agent) => {
    const next = byId.get(agent.id);
    if (!next) return agent;
    byId.delete(agent.id);
    return { ...next, history: next.system ? withSample(agent.history, next.system) : agent.history };
  });
  for (const agent of byId.values()) merged.push({ ...agent, history: agent.system ? withSample(null, agent.system) : null });
  return merged;
}

export function mergeTasks(current: TaskInfo[], changed: TaskInfo[]): TaskInfo[] {
  const byId = new Map(changed.map((task) => [task.id, task]));
  const merged = current.map((task) => {
    const next = byId.get(task.id);
    byId.delete(task.id);
    return next ?? task;
  });
  return [...merged, ...byId.values()];
}

export function createFleetStore(agent: AgentConnection) {
  return createStore<FleetSlice>()((set, get) => {
    let taskWatchers = 0;
    let following: string | null = null;

    const load = async () => {
      try {
        const { agents } = await agent.api.call('listAgents');
        set({ agents, error: null });
        const { selected } = get();
        if (selected === null || !agents.some((a) => a.id === selected)) get().select(agents[0]!.id);
      } catch (error) {
        set({ error: shownError(error) });
      }
    };

    const follow = (id: string | null) => {
      if (following === id) return;
      if (following !== null) void agent.stream.unsubscribe('tasks', { agent: following }).catch(() => undefined);
      following = id;
      if (id !== null) {
        agent.stream.subscribe('tasks', { agent: id }).then(
          (reply) => {
            if (get().selected === id) set({ tasks: (reply as { tasks: TaskInfo[] }).tasks, tasksError: null });
          },
          (error: unknown) => {
            if (get().selected === id) set({ tasksError: shownError(error) });
          },
        );
      }
    };

    const onMessage = (message: { type: string; [field: string]: unknown }) => {
      if (message.type === 'fleet') {
        const agents = get().agents;
        if (agents) set({ agents: mergeAgents(agents, message.agents as AgentInfo[]) });
        // A member back online: its tasks' topic is subscribed again.
        const selected = get().selected;
        const back = (message.agents as AgentInfo[]).find((a) => a.id === selected && a.status === 'online');
        if (back && get().tasksError?.code === 'agent_offline') {
          following = null;
          follow(back.id);
        }
      } else if (message.type === 'tasks' && message.agent === get().selected) {
        set({ tasks: mergeTasks(get().tasks ?? [], message.tasks as TaskInfo[]) });
      } else if (message.type === 'task_removed' && message.agent === get().selected) {
        set({ tasks: (get().tasks ?? []).filter((task) => task.id !== message.id) });
      } else if (message.type === 'error' && message.agent === get().selected) {
        set({ tasksError: shownError(errorOfReply(0, message)) });
      }
    };

    const act = async (run: () => Promise<unknown>) => {
      await run();
      await get().refreshTasks();
    };
    const on = () => agent.at(get().selected ?? '');

    return {
      agents: null,
      error: null,
      selected: null,
      tasks: null,
      tasksError: null,
      watch: topicWatch(agent, 'fleet', {
        message: onMessage as never,
        reconnected: () => {
          void load();
          // The replayed subscription may have failed (a member not back yet): follow it afresh.
          if (taskWatchers > 0) {
            following = null;
            follow(get().selected);
          }
        },
        failed: (error) => set({ error: shownError(error) }),
        started: () => void load(),
      }),
      watchTasks() {
        taskWatchers++;
        if (taskWatchers === 1) {
          following = null;
          follow(get().selected);
        }
        let released = false;
        return () => {
          if (released) return;
          released = true;
          taskWatchers--;
          if (taskWatchers === 0) follow(null);
        };
      },
      select(id) {
        if (get().selected === id) return;
        set({ selected: id, tasks: null, tasksError: null });
        if (taskWatchers > 0) follow(id);
      },
      async refreshTasks() {
        const selected = get().selected;
        if (selected === null) return;
        try {
          const { tasks } = await agent.at(selected).call('listTasks');
          if (get().selected === selected) set({ tasks, tasksError: null });
        } catch (error) {
          if (get().selected === selected) set({ tasksError: shownError(error) });
        }
      },
      startTask: (id) => act(() => on().call('startTask', { id })),
      stopTask: (id) => act(() => on().call('stopTask', { id })),
      restartTask: (id) => act(() => on().call('restartTask', { id })),
      removeTask: (id) => act(() => on().call('deleteTask', { id })),
      startAll: (id) => act(() => agent.at(id).call('startAllTasks', {})),
      stopAll: (id) => act(() => agent.at(id).call('stopAllTasks', {})),
      async forget(id) {
        await agent.api.call('forgetAgent', { agentId: id });
        await load();
      },
    };
  });
}
export type FleetStore = ReturnType<typeof createFleetStore>;
