/**
 * A timing wheel of instrument indices: each frame visits only the slots that came due, not
 * every instrument. Lists are intrusive (typed arrays), so scheduling never allocates.
 */

/** Returns the next due time (epoch ms) for the instrument, or a negative number to drop it. */
export type FireTick = (index: number, dueMs: number) => number;

export class TickWheel {
  private readonly next: Int32Array;
  private readonly due: Float64Array;
  private readonly scheduled: Uint8Array;
  private readonly heads: Int32Array;
  private readonly mask: number;
  private cursor = -1;

  /** `horizonMs`: how far ahead of the present anything will ever be scheduled. */
  constructor(
    capacity: number,
    private readonly slotMs: number,
    horizonMs: number,
  ) {
    let size = 8;
    while (size * slotMs < horizonMs + 2 * slotMs) size *= 2;
    this.heads = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.next = new Int32Array(capacity);
    this.due = new Float64Array(capacity);
    this.scheduled = new Uint8Array(capacity);
  }

  isScheduled(index: number): boolean {
    return this.scheduled[index] === 1;
  }

  /** Schedules an instrument that is not already on the wheel (a no-op when it is). */
  schedule(index: number, dueMs: number): void {
    if (this.scheduled[index] === 1) return;
    this.scheduled[index] = 1;
    this.insert(index, dueMs);
  }

  /**
   * Fires every instrument due at or before `nowMs`, as often as it came due; `fire` returns
   * when it is due next. The current slot is visited again next time: part of it may not be due yet.
   */
  advance(nowMs: number, fire: FireTick): void {
    const target = Math.floor(nowMs / this.slotMs);
    const laps = this.mask + 1;
    const from = this.cursor < 0 || target - this.cursor >= laps ? target - laps + 1 : this.cursor;
    for (let slot = from; slot <= target; slot++) {
      const head = slot & this.mask;
      let index = this.heads[head]!;
      this.heads[head] = -1;
      while (index >= 0) {
        const following = this.next[index]!;
        let dueMs = this.due[index]!;
        while (dueMs >= 0 && dueMs <= nowMs) dueMs = fire(index, dueMs);
        if (dueMs < 0) this.scheduled[index] = 0;
        else this.insert(index, dueMs);
        index = following;
      }
    }
    this.cursor = target;
  }

  private insert(index: number, dueMs: number): void {
    const head = Math.floor(dueMs / this.slotMs) & this.mask;
    this.due[index] = dueMs;
    this.next[index] = this.heads[head]!;
    this.heads[head] = index;
  }
}
