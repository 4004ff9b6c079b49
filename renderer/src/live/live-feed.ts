/**
 * Feeds LivePrices from one agent: the stream's ticks for every instrument some part of the
 * page wants, and a quotes snapshot for each newly wanted one so a row shows its price before
 * the next tick. Wants are counted, and changes are gathered into one subscribe and one
 * unsubscribe per turn of the event loop, so opening a watchlist of 500 instruments is two
 * messages, not 500.
 */
import type { StreamState } from '../../../shared/contract/stream-client';
import { ApiError } from '../../../shared/errors';
import type { AgentConnection } from '../agent/agent-connection';
import { LivePrices } from './live-prices';

export interface LiveFeedOptions {
  prices?: LivePrices;
  /** How often staleness is re-judged without a tick (ms). */
  staleCheckMs?: number;
}

export class LiveFeed {
  readonly prices: LivePrices;
  private readonly wanted = new Map<string, number>();
  private readonly subscribed = new Set<string>();
  /** Wanted instruments the agent does not list (an expired contract): not asked for again while wanted. */
  private readonly refused = new Set<string>();
  private syncQueued = false;
  private syncing: Promise<void> = Promise.resolve();
  private readonly offs: Array<() => void> = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly stateListeners = new Set<(state: StreamState, detail?: string) => void>();
  private state: StreamState;
  private detail: string | undefined;
  /** The agent's last refusal of a subscription, shown to the user. */
  lastError: string | null = null;

  constructor(
    private readonly agent: AgentConnection,
    options: LiveFeedOptions = {},
  ) {
    this.prices = options.prices ?? new LivePrices();
    this.state = agent.stream.connectionState;
    this.prices.setConnected(this.state === 'open');
    this.offs.push(
      agent.stream.on('ticks', (ticks) => this.prices.push(ticks)),
      agent.stream.on('state', (state, detail) => {
        this.state = state;
        this.detail = detail;
        this.prices.setConnected(state === 'open');
        for (const listener of this.stateListeners) listener(state, detail);
      }),
      // The stream made every subscription again; prices missed while away come from a snapshot.
      agent.stream.on('reconnected', () => void this.snapshot([...this.subscribed])),
    );
    this.timer = setInterval(() => this.prices.checkStale(), options.staleCheckMs ?? 1_000);
  }

  get connection(): { state: StreamState; detail: string | undefined } {
    return { state: this.state, detail: this.detail };
  }

  onState(listener: (state: StreamState, detail?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Asks for live prices of these instruments until the returned function is called. */
  want(ids: readonly string[]): () => void {
    for (const id of ids) this.wanted.set(id, (this.wanted.get(id) ?? 0) + 1);
    this.queueSync();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const count = (this.wanted.get(id) ?? 0) - 1;
        if (count > 0) this.wanted.set(id, count);
        else this.wanted.delete(id);
      }
      this.queueSync();
    };
  }

  /** Resolves once every change asked for so far has been sent and answered. */
  settled(): Promise<void> {
    return new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => this.syncing);
  }

  close(): void {
    clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  private queueSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.syncing = this.syncing.then(() => this.sync());
    });
  }

  private async sync(): Promise<void> {
    for (const id of this.refused) if (!this.wanted.has(id)) this.refused.delete(id);
    const added = [...this.wanted.keys()].filter((id) => !this.subscribed.has(id) && !this.refused.has(id));
    const removed = [...this.subscribed].filter((id) => !this.wanted.has(id));
    try {
      if (removed.length > 0) {
        for (const id of removed) this.subscribed.delete(id);
        await this.agent.stream.unsubscribe('ticks', { instruments: removed });
        this.prices.forget(removed);
      }
      if (added.length > 0) await this.subscribeKnown(added);
      if (this.refused.size === 0) this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      // What failed is tried again with the next change.
      for (const id of added) this.subscribed.delete(id);
    }
  }

  /** Subscribes; instruments the agent does not list are set aside (and named) and the rest subscribed. */
  private async subscribeKnown(ids: string[]): Promise<void> {
    for (const id of ids) this.subscribed.add(id);
    try {
      await Promise.all([this.agent.stream.subscribe('ticks', { instruments: ids }), this.snapshot(ids)]);
    } catch (error) {
      const unknown = error instanceof ApiError && error.code === 'unknown_instrument' ? (error.details as { unknown?: unknown } | undefined)?.unknown : undefined;
      if (!Array.isArray(unknown) || unknown.length === 0) throw error;
      const refused = new Set(unknown.map(String));
      for (const id of refused) {
        this.refused.add(id);
        this.subscribed.delete(id);
      }
      this.lastError = (error as Error).message;
      const rest = ids.filter((id) => !refused.has(id));
      if (rest.length > 0) await this.agent.stream.subscribe('ticks', { instruments: rest });
    }
  }

  /** Fetches current prices now (a page about to show these instruments), without subscribing. */
  prefetch(ids: string[]): Promise<void> {
    return this.snapshot(ids);
  }

  private async snapshot(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      const { quotes } = await this.agent.api.call('queryQuotes', { instruments: ids });
      this.prices.seed(quotes);
    } catch {
      // Live ticks fill the rows anyway; the snapshot only saves waiting for the first one.
    }
  }
}
