/**
 * The dashboard's live prices: the latest tick of every instrument, kept outside React and
 * handed to the screen at most once per animation frame. A row subscribes to its own
 * instrument, so a tick re-renders that row and nothing else.
 *
 * Staleness is never guessed in the page's favour. An instrument is stale when the agent says
 * so (a snapshot's `stale`), when its last tick is older than the ticker's stale limit, or when
 * the stream is not connected. Ages use the worker's receipt time (`receivedAt`, the agent's
 * clock) shifted by the smallest delay seen between the two clocks, so a remote agent whose
 * clock differs from this machine's is still judged right.
 */
import type { Quote } from '../../../shared/contract/api';
import type { Tick } from '../../../shared/tick';

export type Schedule = (flush: () => void) => void;
type Listener = () => void;

export interface LivePricesOptions {
  /** Runs a flush before the next frame (`requestAnimationFrame` in a browser). */
  schedule?: Schedule;
  now?: () => number;
  staleAfterMs?: number;
}

const defaultSchedule: Schedule = (flush) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => flush());
  else setTimeout(flush, 16);
};

export class LivePrices {
  private readonly ticks = new Map<string, Tick>();
  /** Instruments a snapshot said were stale: stale until their next tick. */
  private readonly staleSnapshot = new Set<string>();
  private readonly versions = new Map<string, number>();
  private readonly shownStale = new Map<string, boolean>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly frameListeners = new Set<(changed: ReadonlySet<string>) => void>();
  private pending = new Set<string>();
  private scheduled = false;
  private connected = false;
  /** The smallest `now - receivedAt` seen since the stream connected: the clocks' offset plus the fastest delivery. */
  private skew = Number.POSITIVE_INFINITY;
  private readonly schedule: Schedule;
  private readonly now: () => number;
  private staleAfterMs: number;
  /** Ticks received, for the status bar's rate. */
  received = 0;

  constructor(options: LivePricesOptions = {}) {
    this.schedule = options.schedule ?? defaultSchedule;
    this.now = options.now ?? Date.now;
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
  }

  /** Live ticks from the stream. */
  push(ticks: readonly Tick[]): void {
    const now = this.now();
    for (const tick of ticks) {
      const delay = now - tick.receivedAt;
      if (delay < this.skew) this.skew = delay;
      this.ticks.set(tick.instrument, tick);
      this.staleSnapshot.delete(tick.instrument);
      this.mark(tick.instrument);
    }
    this.received += ticks.length;
  }

  /**
   * A snapshot from `POST /api/v1/quotes`: replaces only what is older than it. A quote's
   * `receivedAt` is its last tick, not its delivery, so snapshots never feed the clocks' offset;
   * the agent's own `stale` holds until the next tick.
   */
  seed(quotes: Record<string, Quote>): void {
    for (const [id, quote] of Object.entries(quotes)) {
      const known = this.ticks.get(id);
      if (known && known.receivedAt >= quote.receivedAt) continue;
      const { stale, ...tick } = quote;
      this.ticks.set(id, tick);
      if (stale) this.staleSnapshot.add(id);
      else this.staleSnapshot.delete(id);
      this.mark(id);
    }
  }

  /** While the stream is down every price is stale; a new connection measures the clocks again. */
  setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    if (connected) this.skew = Number.POSITIVE_INFINITY;
    for (const id of this.ticks.keys()) this.mark(id);
  }

  setStaleAfter(ms: number): void {
    if (ms === this.staleAfterMs) return;
    this.staleAfterMs = ms;
    this.checkStale();
  }

  get(id: string): Tick | undefined {
    return this.ticks.get(id);
  }

  isStale(id: string): boolean {
    if (!this.connected || this.staleSnapshot.has(id)) return true;
    const age = this.ageMs(id);
    return age === null || age >= this.staleAfterMs;
  }

  /**
   * How old the price is, in ms of the agent's clock (null when there is none). Before the first
   * live tick has measured the clocks' offset, they are taken to agree.
   */
  ageMs(id: string): number | null {
    const tick = this.ticks.get(id);
    if (!tick) return null;
    const skew = Number.isFinite(this.skew) ? this.skew : 0;
    return Math.max(0, this.now() - skew - tick.receivedAt);
  }

  /** Changes with every update of the instrument's price or staleness (for `useSyncExternalStore`). */
  version(id: string): number {
    return this.versions.get(id) ?? 0;
  }

  subscribe(id: string, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Called once a frame with the instruments that changed in it. */
  onFrame(listener: (changed: ReadonlySet<string>) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Re-judges staleness (a timer calls this every second): a price that just went stale is shown so. */
  checkStale(): void {
    for (const id of this.ticks.keys()) {
      if (this.shownStale.get(id) !== this.isStale(id)) this.mark(id);
    }
  }

  /** Forgets instruments nothing shows any more, so memory does not grow with every instrument ever seen. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      if (this.listeners.has(id)) continue;
      this.ticks.delete(id);
      this.staleSnapshot.delete(id);
      this.shownStale.delete(id);
      this.versions.delete(id);
      this.pending.delete(id);
    }
  }

  /** Delivers what changed since the last frame; the scheduler calls it. */
  flush(): void {
    this.scheduled = false;
    const changed = this.pending;
    if (changed.size === 0) return;
    this.pending = new Set();
    for (const id of changed) {
      if (!this.ticks.has(id)) continue;
      this.versions.set(id, (this.versions.get(id) ?? 0) + 1);
      this.shownStale.set(id, this.isStale(id));
    }
    for (const id of changed) {
      const set = this.listeners.get(id);
      if (set) for (const listener of set) listener();
    }
    for (const listener of this.frameListeners) listener(changed);
  }

  private mark(id: string): void {
    this.pending.add(id);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }
}
