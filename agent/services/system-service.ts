/**
 * Statistics as a service: once a second the machine's figures (kept as a rolling history for
 * sparklines, sent on the `system` topic) and each running task's process tree (CPU and memory
 * summed over it, sent with the task on the `tasks` topic).
 */
import type { Logger } from 'pino';
import type { Api } from '../../shared/contract/api';
import type { SystemMessage, Topics } from '../../shared/contract/stream';
import type { ProcessTreeUsage, SystemHistory, SystemSample } from '../../shared/system';
import type { ApiCore } from '../api/api-core';
import { broadcastTopic } from '../stream/broadcast-topic';
import type { StreamCore } from '../stream/stream-core';
import { StatsHistory } from '../system/stats-history';
import { SystemSampler } from '../system/system-sampler';
import type { TaskSupervisor } from '../tasks/task-supervisor';
import type { Service } from './service';

export interface SystemServiceOptions {
  dataDir: string;
  version: string;
  log: Logger;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  tasks: TaskSupervisor;
  /** Between samples (default 1 s). */
  intervalMs?: number;
  /** Points of history kept (default 300: five minutes at 1 Hz). */
  historyPoints?: number;
}

export interface SystemStatsSource {
  latest(): SystemSample;
  history(): SystemHistory;
  onSample(listener: (sample: SystemSample) => void): () => void;
}

export function systemService(options: SystemServiceOptions): Service<SystemStatsSource> {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'system',
    start() {
      const sampler = new SystemSampler({ diskPath: options.dataDir, version: options.version });
      const history = new StatsHistory(options.historyPoints ?? 300);
      const listeners = new Set<(sample: SystemSample) => void>();
      let latest = sampler.sample();
      history.push(latest);
      const tick = () => {
        try {
          latest = sampler.sample();
          history.push(latest);
          const roots = options.tasks.roots();
          const trees = roots.length === 0 ? new Map<number, ProcessTreeUsage>() : sampler.processTrees(roots.map(({ pid }) => ({ pid, pgid: pid })));
          const usage = new Map<string, ProcessTreeUsage>();
          for (const { id, pid } of roots) {
            const tree = trees.get(pid);
            if (tree) usage.set(id, tree);
          }
          options.tasks.setUsage(usage);
          for (const listener of listeners) listener(latest);
        } catch (error) {
          options.log.error({ err: error }, 'sampling the statistics failed');
        }
      };
      timer = setInterval(tick, options.intervalMs ?? 1000);
      timer.unref();
      options.api.provide({ getSystem: () => ({ ...latest, history: history.history() }) });
      const topic = broadcastTopic<Topics['system']>();
      listeners.add((sample) => topic.publish({ type: 'system', sample } satisfies SystemMessage));
      options.stream.provide({ system: topic.handler });
      return {
        latest: () => latest,
        history: () => history.history(),
        onSample(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      };
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
