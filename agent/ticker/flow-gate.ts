/**
 * Bounds the frames a worker has handed to its tick link but not yet written out: past `high`
 * in flight it pauses the broker connection, below `low` it resumes. An agent that falls behind
 * then slows the broker's socket down instead of growing the worker's memory.
 */
export class FlowGate {
  private inFlight = 0;
  private paused = false;

  constructor(
    private readonly high: number,
    private readonly low: number,
    private readonly control: { pause(): void; resume(): void },
  ) {
    if (!(low >= 0 && high > low)) throw new RangeError(`need 0 ≤ low < high, got ${low} and ${high}`);
  }

  get pending(): number {
    return this.inFlight;
  }

  sent(): void {
    this.inFlight++;
    if (!this.paused && this.inFlight >= this.high) {
      this.paused = true;
      this.control.pause();
    }
  }

  delivered(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.paused && this.inFlight <= this.low) {
      this.paused = false;
      this.control.resume();
    }
  }
}
