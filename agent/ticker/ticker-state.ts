/** The public ticker state, built from the supervisor's records. */
import type { ConsumerInfo, SubscriptionInfo, TickerState, WorkerInfo } from '../../shared/contract/api';
import type { Subscription } from './desired-subscriptions';
import type { ProviderLimits } from './provider';
import type { WorkerSlot } from './worker-slot';

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function iso(epochMs: number): string | null {
  return epochMs > 0 ? new Date(epochMs).toISOString() : null;
}

export function buildTickerState(input: {
  /** Stopped by a user: no workers, the subscriptions kept. */
  stopped?: boolean;
  subscriptions: Iterable<Subscription>;
  slots: Iterable<WorkerSlot>;
  limits: ProviderLimits;
  staleAfterMs: number;
  consumers: ConsumerInfo[];
  now?: number;
}): TickerState {
  const now = input.now ?? Date.now();
  const subscriptions: SubscriptionInfo[] = [];
  const perWorker = new Map<number, string[]>();
  for (const sub of input.subscriptions) {
    subscriptions.push({
      instrument: sub.instrument.id,
      mode: sub.mode,
      worker: sub.worker,
      ticksPerSecond: round(sub.ticksPerSecond),
      lastTickAt: iso(sub.lastTickAt),
      stale: now - (sub.lastTickAt || sub.handoverSince) > input.staleAfterMs,
    });
    const list = perWorker.get(sub.worker);
    if (list) list.push(sub.instrument.id);
    else perWorker.set(sub.worker, [sub.instrument.id]);
  }
  const workers: WorkerInfo[] = [...input.slots]
    .sort((a, b) => a.id - b.id)
    .map((slot) => ({
      id: slot.id,
      pid: slot.pid,
      state: slot.state,
      instruments: perWorker.get(slot.id) ?? [],
      ticksPerSecond: round(slot.ticksPerSecond),
      lastTickAt: iso(slot.lastTickAt),
      restarts: slot.restarts,
      rssMb: slot.providerStats ? round(slot.providerStats.rssBytes / 1048576) : null,
      badFrames: slot.providerStats?.badFrames ?? 0,
      provider: slot.providerDetail,
    }));
  return {
    state: input.stopped ? 'stopped' : workers.some((w) => w.state === 'needs-login') ? 'needs-login' : 'running',
    workers,
    subscriptions,
    limits: { ...input.limits },
    staleAfterMs: input.staleAfterMs,
    stale: subscriptions.filter((s) => s.stale).map((s) => s.instrument),
    ticksPerSecond: round(workers.reduce((sum, w) => sum + w.ticksPerSecond, 0)),
    consumers: input.consumers,
  };
}
