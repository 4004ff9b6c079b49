/**
 * Algo state as a service: the store and its two API methods. The owner and dashboard sessions
 * reach every algo's state; a task's token only the algo named like its task. The state is
 * this agent's own, also on a fleet member (an algo's state lives where the algo runs).
 */
import type { Api } from '../../shared/contract/api';
import type { Principal } from '../../shared/contract/scopes';
import { ApiError } from '../../shared/errors';
import { AlgoStateStore } from '../algos/algo-state-store';
import type { ApiCore } from '../api/api-core';
import type { AgentDb } from '../store/agent-db';
import type { Service } from './service';

export interface AlgoStateServiceOptions {
  db: AgentDb;
  api: ApiCore<Api>;
  /** The name of a task of this agent (its algo's name); throws `not_found` for an unknown one. */
  taskName: (taskId: string) => string;
}

export function algoStateService(options: AlgoStateServiceOptions): Service<AlgoStateStore> {
  return {
    name: 'algo-state',
    start() {
      const store = new AlgoStateStore(options.db.db);
      const ownAlgo = (taskId: string): string | null => {
        try {
          return options.taskName(taskId);
        } catch {
          return null;
        }
      };
      const reach = (principal: Principal | undefined, algo: string) => {
        if (principal?.kind === 'owner' || principal?.kind === 'session') return;
        if (principal?.kind === 'task') {
          const own = ownAlgo(principal.taskId);
          if (own === algo) return;
          throw new ApiError('forbidden', own === null ? 'This task is gone: its token reaches no algo.' : `This token reaches its own algo's state only (${own}).`, { field: 'algo' });
        }
        throw new ApiError('forbidden', "An algo's state is reached by the owner, a dashboard session, or the algo's own task.", { field: 'algo' });
      };
      options.api.provide({
        getAlgoState: ({ algo }, { principal }) => {
          reach(principal, algo);
          return store.get(algo);
        },
        setAlgoState: ({ algo, values }, { principal }) => {
          reach(principal, algo);
          return store.set(algo, values);
        },
      });
      return store;
    },
    stop() {},
  };
}
