/** The supervisor's records, and the public ticker state built from them. */
import type { ConsumerInfo, SubscriptionInfo, TickerState, WorkerInfo } from '../../shared/contract/api';
import type { Instrument } from '../../shared/instrument';
import type { TickMode } from '../../shared/tick';
import type { ProviderLimits } from './provider';
import type { Channel } from './tick-hub';
import type { WorkerSlot } from './worker-slot';

export interface Subscription {
  instrument: Instrument;
  mode: TickMode;
  /** Packet length of `mode`: packets of the previous mode, still in flight after a change, are dropped. */
  packetLength: number;
  worker: number;
  /** While moving: the worker still delivering until the new one ticks. */
  handoverFrom: number | null;
  handoverSince: number;
  count: number;
  ticksPerSecond: number;
  lastTickAt: number;
  /** Where this instrument's ticks go in the hub. */
  channel: Channel;
}

/** One step of an exponential moving average with a two-second memory (at one step a second). */
export function smooth(previous: number, latest: number): number {
  return previous === 0 ? latest : previous / 2 + latest / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function iso(epochMs: number): string | null {
  return epochMs > 0 ? new Date(epochMs).toISOString() : null;
}

export function buildTickerState(input: {
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
      state: slot.stopping ? 'stopping' : slot.state,
      instruments: perWorker.get(slot.id) ?? [],
      ticksPerSecond: round(slot.ticksPerSecond),
      lastTickAt: iso(slot.lastTickAt),
      restarts: slot.restarts,
      rssMb: slot.providerStats ? round(slot.providerStats.rssBytes / 1048576) : null,
      badFrames: slot.providerStats?.badFrames ?? 0,
      provider: slot.providerDetail,
    }));
  return {
    workers,
    subscriptions,
    limits: { ...input.limits },
    staleAfterMs: input.staleAfterMs,
    stale: subscriptions.filter((s) => s.stale).map((s) => s.instrument),
    ticksPerSecond: round(workers.reduce((sum, w) => sum + w.ticksPerSecond, 0)),
    consumers: input.consumers,
  };
}
