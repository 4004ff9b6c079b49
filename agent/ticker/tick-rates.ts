/** Tick rates per instrument and per worker, updated once a second from counts kept while routing. */
import type { Subscription } from './desired-subscriptions';
import type { WorkerSlot } from './worker-slot';

/** One step of an exponential moving average with a two-second memory (at one step a second). */
export function smooth(previous: number, latest: number): number {
  return previous === 0 ? latest : previous / 2 + latest / 2;
}

export class TickRates {
  private lastUpdateAt: number;

  constructor(now = Date.now()) {
    this.lastUpdateAt = now;
  }

  /** Turns the ticks counted since the last update into rates, and starts counting again. */
  update(subscriptions: Iterable<Subscription>, slots: Iterable<WorkerSlot>, now: number): void {
    // Measured, not assumed to be a second: a timer runs late under load.
    const seconds = Math.max(0.001, (now - this.lastUpdateAt) / 1000);
    this.lastUpdateAt = now;
    // Smoothed over about two seconds, so a rate does not flicker with the timer's phase.
    for (const sub of subscriptions) {
      sub.ticksPerSecond = smooth(sub.ticksPerSecond, sub.count / seconds);
      sub.count = 0;
    }
    for (const slot of slots) slot.updateRate(seconds);
  }
}
