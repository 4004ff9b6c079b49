/**
 * Moving instruments between workers, make-before-break: the new worker subscribes at once, and
 * the old one keeps delivering until the new one's first tick, so the instrument neither pauses
 * nor doubles. A handover finishes in one place (`finish`), whichever event ends it: the new
 * worker's first tick, the old worker's death, a new move, or the time limit.
 */
import type { DesiredSubscriptions, Subscription } from './desired-subscriptions';
import type { Move } from './splitter';
import type { WorkerPool } from './worker-pool';

/** How much longer than the time limit a pool change waits for its handovers. */
const SETTLE_GRACE_MS = 1000;
const SETTLE_POLL_MS = 20;

export class Handovers {
  constructor(
    private readonly desired: DesiredSubscriptions,
    private readonly pool: WorkerPool,
    /** Longest a moving instrument waits for its new worker's first tick before the switch. */
    private readonly handoverMs: number,
  ) {}

  /** Starts moving each instrument to its new worker. */
  apply(moves: Move[]): void {
    const moving = moves.map((move) => this.desired.get(move.instrument)!);
    moves.forEach((move, i) => {
      const sub = moving[i]!;
      if (sub.handoverFrom !== null) this.finish(sub); // moved again before its first tick
      sub.handoverFrom = move.from;
      sub.handoverSince = Date.now();
      sub.worker = move.to;
    });
    this.pool.sendGrouped(moving, (tokens, mode) => ({ type: 'subscribe', tokens, mode }));
  }

  /** Ends a handover: ticks come only from the new worker, and the old one drops the instrument. */
  finish(sub: Subscription): void {
    const from = sub.handoverFrom;
    sub.handoverFrom = null;
    if (from !== null) this.pool.send(from, { type: 'unsubscribe', tokens: [sub.instrument.token] });
  }

  /** A worker died: the instruments leaving it switch to their new home at once. */
  finishFrom(worker: number): void {
    for (const sub of this.desired.values()) if (sub.handoverFrom === worker) this.finish(sub);
  }

  /** Finishes handovers whose new worker is connected and has had `handoverMs` to tick (a quiet instrument). */
  finishOverdue(now: number): void {
    for (const sub of this.desired.values()) {
      const overdue = sub.handoverFrom !== null && now - sub.handoverSince > this.handoverMs;
      if (overdue && this.pool.get(sub.worker)?.state === 'ready') this.finish(sub);
    }
  }

  /** Resolves once no instrument is being handed over from `from`, or after the time limit and a grace. */
  async settled(from: number[]): Promise<void> {
    const deadline = Date.now() + this.handoverMs + SETTLE_GRACE_MS;
    while (Date.now() < deadline) {
      const pending = [...this.desired.values()].some((s) => s.handoverFrom !== null && from.includes(s.handoverFrom));
      if (!pending) return;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }
}
