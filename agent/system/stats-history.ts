/**
 * The rolling history behind the dashboard's sparklines: the main figures of the last `capacity`
 * samples (300 by default, five minutes at one a second), in a ring of preallocated arrays so the
 * once-a-second push allocates nothing.
 */
import type { SystemHistory, SystemSample } from '../../shared/system';

const SERIES = ['at', 'cpuPercent', 'memoryPercent', 'diskPercent', 'rxBytesPerSecond', 'txBytesPerSecond'] as const;

export class StatsHistory {
  private readonly series: Record<keyof SystemHistory, Float64Array>;
  /** Where the next point goes; once full, also the oldest point. */
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 300) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be a whole number ≥ 1, got ${capacity}`);
    this.series = Object.fromEntries(SERIES.map((name) => [name, new Float64Array(capacity)])) as Record<keyof SystemHistory, Float64Array>;
  }

  /** Points held, at most `capacity`. */
  get length(): number {
    return this.count;
  }

  push(sample: SystemSample): void {
    const i = this.next;
    const s = this.series;
    s.at[i] = Date.parse(sample.at);
    s.cpuPercent[i] = sample.cpu.percent;
    s.memoryPercent[i] = sample.memory.percent;
    // No disk figure (the path is gone): 0 keeps the series aligned and JSON-safe, as NaN is not.
    s.diskPercent[i] = sample.disk?.percent ?? 0;
    s.rxBytesPerSecond[i] = sample.network.rxBytesPerSecond;
    s.txBytesPerSecond[i] = sample.network.txBytesPerSecond;
    this.next = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** The points held, oldest first, as plain arrays (a copy: later pushes do not change it). */
  history(): SystemHistory {
    const start = this.count < this.capacity ? 0 : this.next;
    const copy = (values: Float64Array): number[] => {
      const out = new Array<number>(this.count);
      for (let k = 0; k < this.count; k++) out[k] = values[(start + k) % this.capacity]!;
      return out;
    };
    const s = this.series;
    return {
      at: copy(s.at),
      cpuPercent: copy(s.cpuPercent),
      memoryPercent: copy(s.memoryPercent),
      diskPercent: copy(s.diskPercent),
      rxBytesPerSecond: copy(s.rxBytesPerSecond),
      txBytesPerSecond: copy(s.txBytesPerSecond),
    };
  }
}
