/**
 * One async job (reading a broker's order book), never two at once: asked for within some delay
 * (several asks make one run, at the earliest time asked), and again when the job says so. An
 * ask while the job runs makes it run again right after, so no change is missed.
 */
export class CoalescedRunner {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private running = false;
  private again: number | null = null;
  private stopped = false;

  constructor(
    /** Answers how long until it should run again (null: only when asked). */
    private readonly job: () => Promise<number | null>,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs the job within `delayMs` (or that long after the run under way). */
  within(delayMs: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = Math.min(this.again ?? delayMs, delayMs);
      return;
    }
    const at = this.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    let next: number | null = null;
    try {
      next = await this.job();
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = false;
    }
    const asked = this.again;
    this.again = null;
    if (asked !== null) this.within(asked);
    if (next !== null) this.within(next);
  }
}
