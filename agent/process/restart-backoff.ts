/**
 * When to start a process again after it died. A process that dies now and then is restarted at
 * once: waiting would only lengthen the outage. One that keeps dying (a bad build, a broker that
 * refuses it, a port in use) is restarted after exponentially longer, capped delays, so a crash
 * loop does not burn the CPU or flood the log. Deaths older than the window are forgotten, so a
 * process that has run for a while starts again from an immediate restart.
 *
 * One instance per restarted thing (a worker slot, the simulated market, a task); it keeps no
 * timers, so the caller schedules the restart however it likes.
 */
export interface RestartBackoffOptions {
  /** Deaths within the window that are restarted at once (default 2). */
  immediate?: number;
  /** The delay after the immediate restarts are used up; each further death doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** How long a death counts (default 30 s). */
  windowMs?: number;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export class RestartBackoff {
  private readonly immediate: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private deaths: number[] = [];

  constructor(options: RestartBackoffOptions) {
    this.immediate = options.immediate ?? 2;
    this.firstDelayMs = options.firstDelayMs;
    this.maxDelayMs = options.maxDelayMs;
    this.windowMs = options.windowMs ?? 30_000;
    this.now = options.now ?? Date.now;
    if (!(Number.isInteger(this.immediate) && this.immediate >= 0)) throw new RangeError(`immediate must be a whole number ≥ 0, got ${this.immediate}`);
    // A zero delay past the immediate restarts would make the backoff a tight loop.
    if (!(this.firstDelayMs >= 1 && this.maxDelayMs >= this.firstDelayMs && Number.isFinite(this.maxDelayMs))) {
      throw new RangeError(`need 1 ≤ firstDelayMs ≤ maxDelayMs, got ${this.firstDelayMs} and ${this.maxDelayMs}`);
    }
  }

  /** Deaths within the window, the last one included. */
  get recentDeaths(): number {
    this.forgetOld();
    return this.deaths.length;
  }

  /** Records a death; returns how long to wait before the restart, in ms. */
  died(): number {
    this.deaths.push(this.now());
    const streak = this.recentDeaths;
    if (streak <= this.immediate) return 0;
    return Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** Math.min(streak - this.immediate - 1, 30));
  }

  /** Forgets every death: the process is known to be healthy again. */
  reset(): void {
    this.deaths = [];
  }

  private forgetOld(): void {
    const since = this.now() - this.windowMs;
    if (this.deaths.length > 0 && this.deaths[0]! <= since) this.deaths = this.deaths.filter((at) => at > since);
  }
}
