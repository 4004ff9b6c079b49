/**
 * A tick iterator's buffer, bounded as the agent bounds a slow consumer: up to `maxQueued` ticks
 * wait in order; past that, an instrument keeps only its latest tick (a newer one takes the
 * waiting one's place; older ticks already in order still come first), so memory stays within
 * `maxQueued` plus one tick per instrument, whatever the algo's pace. When the algo has caught up,
 * `caughtUp` is told how many ticks were replaced.
 */
import type { Tick } from '../../../shared/tick';
import { type Buffer, Fifo } from './channel';

/** How many ticks an iterator keeps in order before it keeps the latest per instrument. */
export const DEFAULT_MAX_QUEUED = 10_000;

export class LatestTicks implements Buffer<Tick> {
  private readonly inOrder = new Fifo<Tick>();
  /** While behind: each instrument's latest tick, and the order their first ones came in. */
  private readonly latest = new Map<string, Tick>();
  private readonly order = new Fifo<string>();
  private replaced = 0;

  constructor(
    private readonly maxQueued: number,
    private readonly caughtUp: (replaced: number) => void,
  ) {
    if (!Number.isInteger(maxQueued) || maxQueued < 1) throw new RangeError(`maxQueued must be a whole number ≥ 1, not ${String(maxQueued)}`);
  }

  get size(): number {
    return this.inOrder.size + this.latest.size;
  }

  add(tick: Tick): void {
    if (this.latest.size === 0 && this.inOrder.size < this.maxQueued) return this.inOrder.add(tick);
    if (this.latest.has(tick.instrument)) this.replaced++;
    else this.order.add(tick.instrument);
    this.latest.set(tick.instrument, tick);
  }

  take(): Tick {
    if (this.inOrder.size > 0) return this.inOrder.take();
    const instrument = this.order.take();
    const tick = this.latest.get(instrument)!;
    this.latest.delete(instrument);
    if (this.latest.size === 0 && this.replaced > 0) {
      const replaced = this.replaced;
      this.replaced = 0;
      this.caughtUp(replaced);
    }
    return tick;
  }

  clear(): void {
    this.inOrder.clear();
    this.latest.clear();
    this.order.clear();
    this.replaced = 0;
  }
}
