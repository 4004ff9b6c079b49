/**
 * The algos page's slice: the tasks of every online agent of the fleet (each through the hub,
 * live from the `tasks` topic with that agent, as the fleet slice follows one), and the
 * persistent state of the algo the user looks at, read from the agent it runs on. Which agents
 * are online is the fleet slice's (watched while this is); the risk figures and the orders are
 * their own slices'. Actions answer with the agent's new state or throw its error for the page.
 *
 * The fleet page follows one agent's tasks on the same topic; the two pages are never shown at
 * once, so their subscriptions do not undo each other.
 */
import { createStore } from 'zustand/vanilla';
import type { AgentInfo } from '../../../shared/fleet';
import type { TaskInfo } from '../../../shared/task';
import { errorOfReply } from '../../../shared/contract/client';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';
import { type FleetStore, mergeTasks } from './fleet-store';
import { Polling } from './polling';
import { refCounted } from './topic-watch';

/** How often the state of the algo looked at is read again (an algo writes it as it trades). */
const STATE_POLL_MS = 3_000;
/** How often a refused follow of an online agent's tasks is tried again (it may have been joining). */
const RETRY_MS = 5_000;

export interface ShownState {
  agentId: string;
  algo: string;
  values: Record<string, unknown>;
  /** When the agent answered (ms). */
  at: number;
}

export interface AlgosSlice {
  /** Each followed agent's tasks, by agent id (absent until it answered). */
  tasks: Record<string, TaskInfo[]>;
  /** Why an agent's tasks could not be followed, by agent id. */
  errors: Record<string, ShownError>;
  /** The state of the algo looked at (null until read). */
  state: ShownState | null;
  stateError: ShownError | null;
  /** Follows the tasks of every online agent while a view shows them. */
  watch(): () => void;
  /** Reads algo `algo`'s state from agent `agentId` now and every few seconds while watched. */
  watchState(agentId: string, algo: string): () => void;
  /** Reads the state looked at again now. */
  refreshState(): Promise<void>;
  startTask(agentId: string, id: string): Promise<void>;
  stopTask(agentId: string, id: string): Promise<void>;
  /** Deletes keys of the state shown (a null each); answers with the state left. */
  deleteKeys(keys: string[]): Promise<void>;
  /** Deletes every key of the state shown. */
  clearState(): Promise<void>;
}

/** The online agents' ids, in order. */
export function onlineIds(agents: readonly Pick<AgentInfo, 'id' | 'status'>[] | null): string[] {
  return (agents ?? []).filter((agent) => agent.status === 'online').map((agent) => agent.id);
}

export function createAlgosStore(agent: AgentConnection, fleet: FleetStore, statePollMs = STATE_POLL_MS) {
  return createStore<AlgosSlice>()((set, get) => {
    const followed = new Set<string>();
    let looking: { agentId: string; algo: string } | null = null;

    const setTasks = (id: string, tasks: TaskInfo[]) => {
      const { [id]: _gone, ...errors } = get().errors;
      set({ tasks: { ...get().tasks, [id]: tasks }, errors });
    };
    const setError = (id: string, error: unknown) => set({ errors: { ...get().errors, [id]: shownError(error) } });
    const forget = (id: string) => {
      const { [id]: _tasks, ...tasks } = get().tasks;
      const { [id]: _error, ...errors } = get().errors;
      set({ tasks, errors });
    };

    const tried = new Map<string, number>();
    const subscribe = (id: string) => {
      tried.set(id, Date.now());
      agent.stream.subscribe('tasks', { agent: id }).then(
        (reply) => followed.has(id) && setTasks(id, (reply as { tasks: TaskInfo[] }).tasks),
        (error: unknown) => followed.has(id) && setError(id, error),
      );
    };
    const reload = async (id: string) => {
      try {
        const { tasks } = await agent.at(id).call('listTasks');
        if (followed.has(id)) setTasks(id, tasks);
      } catch (error) {
        if (followed.has(id)) setError(id, error);
      }
    };

    /** Follows again the agents whose follow was refused, at most every RETRY_MS each. */
    const retryRefused = (force = false) => {
      for (const id of followed) if (get().errors[id] && (force || Date.now() - (tried.get(id) ?? 0) >= RETRY_MS)) subscribe(id);
    };

    /** Follows exactly the online agents: new ones subscribed, gone ones dropped. */
    const sync = (ids: string[]) => {
      for (const id of [...followed]) {
        if (ids.includes(id)) continue;
        followed.delete(id);
        tried.delete(id);
        void agent.stream.unsubscribe('tasks', { agent: id }).catch(() => undefined);
        forget(id);
      }
      for (const id of ids) {
        if (followed.has(id)) continue;
        followed.add(id);
        subscribe(id);
      }
    };

    const onMessage = (message: { type: string; agent?: string; [field: string]: unknown }) => {
      const id = message.agent;
      if (id === undefined || !followed.has(id)) return;
      if (message.type === 'tasks') setTasks(id, mergeTasks(get().tasks[id] ?? [], message.tasks as TaskInfo[]));
      else if (message.type === 'task_removed') setTasks(id, (get().tasks[id] ?? []).filter((task) => task.id !== message.id));
      else if (message.type === 'error') setError(id, errorOfReply(0, message));
    };

    const start = () => {
      const offMessage = agent.stream.on('message', onMessage as never);
      // The stream came back: its subscriptions were made again (a refused one is asked again);
      // what changed meanwhile is read.
      const offReconnect = agent.stream.on('reconnected', () => {
        retryRefused(true);
        for (const id of followed) void reload(id);
      });
      const releaseFleet = fleet.getState().watch();
      let online = onlineIds(fleet.getState().agents);
      sync(online);
      const offFleet = fleet.subscribe((slice) => {
        const next = onlineIds(slice.agents);
        retryRefused();
        if (next.length === online.length && next.every((id, i) => id === online[i])) return;
        online = next;
        sync(next);
      });
      return () => {
        offMessage();
        offReconnect();
        offFleet();
        releaseFleet();
        sync([]);
      };
    };

    const merge = (agentId: string, task: TaskInfo) => {
      if (followed.has(agentId)) setTasks(agentId, mergeTasks(get().tasks[agentId] ?? [], [task]));
    };

    // Asked again when the algo looked at changed meanwhile: a read shared with the previous one's answers for the new one.
    // A read that a write overtook answers nothing: the write's answer is newer.
    let writes = 0;
    const readState = async () => {
      for (let asked = looking; asked; asked = looking) {
        const seen = writes;
        try {
          const { values } = await agent.at(asked.agentId).call('getAlgoState', { algo: asked.algo });
          if (writes !== seen) return;
          if (looking === asked) return set({ state: { ...asked, values, at: Date.now() }, stateError: null });
        } catch (error) {
          if (looking === asked) return set({ stateError: shownError(error) });
        }
      }
    };
    const polling = new Polling(readState, statePollMs);

    const change = async (values: Record<string, null>) => {
      const shown = get().state;
      if (!shown) return;
      writes++;
      const answer = await agent.at(shown.agentId).call('setAlgoState', { algo: shown.algo, values });
      if (looking?.agentId === shown.agentId && looking.algo === shown.algo) set({ state: { ...shown, values: answer.values, at: Date.now() }, stateError: null });
    };

    return {
      tasks: {},
      errors: {},
      state: null,
      stateError: null,
      watch: refCounted(start),
      watchState(agentId, algo) {
        const mine = { agentId, algo };
        looking = mine;
        set({ state: null, stateError: null });
        const stop = polling.watch();
        return () => {
          stop();
          if (looking === mine) looking = null;
        };
      },
      refreshState: () => polling.now(),
      async startTask(agentId, id) {
        merge(agentId, await agent.at(agentId).call('startTask', { id }));
      },
      async stopTask(agentId, id) {
        merge(agentId, await agent.at(agentId).call('stopTask', { id }));
      },
      deleteKeys: (keys) => change(Object.fromEntries(keys.map((key) => [key, null]))),
      clearState: () => change(Object.fromEntries(Object.keys(get().state?.values ?? {}).map((key) => [key, null]))),
    };
  });
}
export type AlgosStore = ReturnType<typeof createAlgosStore>;
