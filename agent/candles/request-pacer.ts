/**
 * Spaces requests to a provider so at most `perSecond` start in any second: each caller waits
 * for its own slot, in order. Waiting can be abandoned through an AbortSignal.
 */
export class RequestPacer {
  private readonly gapMs: number;
  private nextSlot = 0;

  constructor(perSecond: number, private readonly now: () => number = Date.now) {
    if (!(perSecond > 0)) throw new RangeError(`requests per second must be above 0, got ${perSecond}`);
    this.gapMs = 1000 / perSecond;
  }

  /** Resolves when the caller may send its request. */
  async take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.gapMs;
    const wait = slot - now;
    if (wait <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', abort);
        resolve();
      }, wait);
      const abort = () => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', abort, { once: true });
    });
  }
}
