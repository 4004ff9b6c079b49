/**
 * Refreshes something on an interval while at least one view watches it, and once at once when
 * the first starts watching. Hidden tabs keep polling slower: a trader's second screen still
 * shows the truth when they look at it. One loop at most runs, however watches come and go.
 */
export class Polling {
  private readonly watchers = new Set<symbol>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  /** Whether the loop is between a refresh and its next timer. */
  private looping = false;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Starts polling for one more watcher; the returned function stops it (once). */
  watch(): () => void {
    const watcher = Symbol('watcher');
    this.watchers.add(watcher);
    if (this.watchers.size === 1 && !this.looping && this.timer === null) void this.loop();
    return () => {
      this.watchers.delete(watcher);
      if (this.watchers.size === 0) this.cancelTimer();
    };
  }

  /** Refreshes now (after a change); concurrent calls share one request. */
  now(): Promise<void> {
    this.running ??= this.refresh().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops polling for everyone; release functions handed out before do nothing after it. */
  stop(): void {
    this.watchers.clear();
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async loop(): Promise<void> {
    this.timer = null;
    this.looping = true;
    try {
      await this.now().catch(() => undefined);
    } finally {
      this.looping = false;
    }
    if (this.watchers.size === 0 || this.timer !== null) return;
    const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
    this.timer = setTimeout(() => void this.loop(), hidden ? this.intervalMs * 5 : this.intervalMs);
  }
}
