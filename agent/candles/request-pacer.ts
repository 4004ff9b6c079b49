/**
 * Spaces requests to a provider so at most `perSecond` start in any second (on the monotonic
 * clock, so a wall-clock jump changes nothing): callers go in order, each at least 1/perSecond
 * after the one before. Waiting can be abandoned through an AbortSignal.
 */
export class RequestPacer {
  private readonly gapMs: number;
  /** The callers in line: each waits for the one before it. */
  private line: Promise<void> = Promise.resolve();
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, private readonly now: () => number = () => performance.now()) {
    if (!(perSecond > 0)) throw new RangeError(`requests per second must be above 0, got ${perSecond}`);
    this.gapMs = 1000 / perSecond;
  }

  /**
   * Resolves when the caller may send its request: at least a gap after the previous caller was
   * let go, so requests that start late never bunch up behind one another.
   */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.line.then(async () => {
      signal?.throwIfAborted();
      // A timer may fire a little early by this clock's measure: wait again for what is left.
      for (let wait = this.lastStart + this.gapMs - this.now(); wait > 0; wait = this.lastStart + this.gapMs - this.now()) {
        await sleep(Math.ceil(wait), signal);
      }
      this.lastStart = this.now();
    });
    this.line = turn.catch(() => undefined);
    return turn;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
