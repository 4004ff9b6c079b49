/**
 * Refreshes something on an interval while at least one view watches it, and once at once when
 * the first starts watching. Hidden tabs keep polling slower: a trader's second screen still
 * shows the truth when they look at it.
 */
export class Polling {
  private watchers = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Starts polling for one more watcher; the returned function stops it. */
  watch(): () => void {
    this.watchers++;
    if (this.watchers === 1) void this.tick();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.watchers--;
      if (this.watchers === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  /** Refreshes now (after a change); concurrent calls share one request. */
  now(): Promise<void> {
    this.running ??= this.refresh().finally(() => (this.running = null));
    return this.running;
  }

  stop(): void {
    this.watchers = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.now().catch(() => undefined);
    if (this.watchers === 0) return;
    const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
    this.timer = setTimeout(() => void this.tick(), hidden ? this.intervalMs * 5 : this.intervalMs);
  }
}
