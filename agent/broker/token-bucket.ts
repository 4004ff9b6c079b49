/**
 * Token buckets for a broker's request limits, shared by everything in the agent that calls
 * the broker. A bucket holds up to `capacity` tokens and refills `perSecond` a second; a caller
 * takes one token, waiting in line (first come, first served) while the bucket is empty. Time
 * is the monotonic clock, so a wall-clock jump changes nothing. Waiting can be abandoned through
 * an AbortSignal, and the caller behind moves up.
 */
export interface BucketSpec {
  capacity: number;
  perSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  /** The callers in line: each waits for the one before it. */
  private line: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(spec.perSecond > 0 && Number.isFinite(spec.perSecond))) throw new RangeError(`perSecond must be above 0, got ${spec.perSecond}`);
    if (!(Number.isInteger(spec.capacity) && spec.capacity >= 1)) throw new RangeError(`capacity must be a whole number ≥ 1, got ${spec.capacity}`);
    this.tokens = spec.capacity;
    this.refilledAt = now();
  }

  /** Callers waiting for a token. */
  get queued(): number {
    return this.waiting;
  }

  /** Resolves when the caller has its token. */
  take(signal?: AbortSignal): Promise<void> {
    this.waiting++;
    const turn = this.line.then(async () => {
      signal?.throwIfAborted();
      for (let wait = this.msUntilToken(); wait > 0; wait = this.msUntilToken()) await sleep(Math.ceil(wait), signal);
      this.tokens = Math.max(0, this.tokens - 1);
    });
    const settled = turn.finally(() => this.waiting--);
    this.line = settled.catch(() => undefined);
    return settled;
  }

  /** Empties the bucket: the broker said we went too fast, so the next call waits a full refill. */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }

  private msUntilToken(): number {
    this.refill();
    // A hair under one token is float dust of a whole one.
    return this.tokens >= 1 - 1e-9 ? 0 : ((1 - this.tokens) * 1000) / this.spec.perSecond;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.spec.capacity, this.tokens + ((now - this.refilledAt) * this.spec.perSecond) / 1000);
    this.refilledAt = now;
  }
}

/** A call class limited by several buckets at once (Kite's orders: 10 a second and 400 a minute). */
export class RateLimit {
  private readonly buckets: TokenBucket[];

  constructor(specs: readonly BucketSpec[], now?: () => number) {
    this.buckets = specs.map((spec) => new TokenBucket(spec, now));
  }

  get queued(): number {
    return Math.max(0, ...this.buckets.map((b) => b.queued));
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (const bucket of this.buckets) await bucket.take(signal);
  }

  drain(): void {
    for (const bucket of this.buckets) bucket.drain();
  }
}


/** Waits `ms`; rejects with the signal's own reason when aborted. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
