/**
 * Reconnect delays: exponential, capped, with "equal jitter". Half of each delay is fixed, so
 * attempts are always spaced out however unlucky the dice; the other half is random, so
 * clients that lose their server together (the workers of an agent, the dashboards and algos
 * of an agent that restarts) do not all retry in step.
 */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions) {
    const { initialDelayMs, maxDelayMs } = options;
    // A zero or negative delay would turn a refusing broker into a tight loop.
    if (!(initialDelayMs >= 1) || !Number.isFinite(initialDelayMs)) {
      throw new RangeError(`reconnect.initialDelayMs must be a number ≥ 1, got ${initialDelayMs}`);
    }
    if (!(maxDelayMs >= initialDelayMs) || !Number.isFinite(maxDelayMs)) {
      throw new RangeError(`reconnect.maxDelayMs must be ≥ initialDelayMs, got ${maxDelayMs}`);
    }
    this.initialDelayMs = initialDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  reset(): void {
    this.attempt = 0;
  }
}
