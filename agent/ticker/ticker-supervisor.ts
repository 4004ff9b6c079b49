/**
 * The ticker engine's supervisor: applies the API's changes to the desired subscriptions
 * (`desired-subscriptions.ts`) and the worker pool (`worker-pool.ts`), and reports the state.
 * Nothing here restarts a healthy worker: every change is applied live, and an instrument that
 * moves is handed over make-before-break (`handover.ts`). Ticks go from the workers' links to
 * the hub through `frame-router.ts`; rates are kept by `tick-rates.ts`.
 */
import type { Logger } from 'pino';
import type { TickerState } from '../../shared/contract/api';
import { ApiError } from '../../shared/errors';
import type { TickMode } from '../../shared/tick';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { ProcessHost } from '../process/process-host';
import { DesiredSubscriptions, type Subscription } from './desired-subscriptions';
import { FrameRouter } from './frame-router';
import { Handovers } from './handover';
import { type OrderUpdateListener, OrderUpdateRelay } from './order-updates';
import type { ProviderConfig, ProviderLimits } from './provider';
import { planAdd, planRebalance } from './splitter';
import type { TickHub } from './tick-hub';
import { TickRates } from './tick-rates';
import { buildTickerState } from './ticker-state';
import { WorkerPool } from './worker-pool';
import type { WorkerSlot } from './worker-slot';

export interface TickerOptions {
  host: ProcessHost;
  workerModule: string;
  provider: ProviderConfig;
  limits: ProviderLimits;
  registry: InstrumentRegistry;
  hub: TickHub;
  log: Logger;
  staleAfterMs?: number;
  /** Longest a moving instrument waits for its new worker's first tick before the switch. */
  handoverMs?: number;
  /** How long a new worker may take to connect to the broker before a pool change is refused. */
  connectTimeoutMs?: number;
  /**
   * A worker silent this long (it reports every second) is killed and replaced; it is shown
   * `unresponsive` from two missed reports on.
   */
  hangAfterMs?: number;
  /** A worker's broker connection was refused for its access token (`detail` says how), or it has none. */
  onUnauthorized?: (detail: string) => void;
  /** Called after every change of the desired state, to persist it. */
  onDesiredChange?: (desired: DesiredTicker) => void;
}

export interface DesiredTicker {
  workers: number;
  subscriptions: Array<{ instrument: string; mode: TickMode }>;
  /** Stopped by a user (`POST /ticker/stop`): it stays stopped across restarts until started. */
  stopped?: boolean;
}

const DEFAULT_MODE: TickMode = 'quote';
const STATS_INTERVAL_MS = 1000;

export class TickerSupervisor {
  readonly staleAfterMs: number;
  private readonly subs: DesiredSubscriptions;
  private readonly pool: WorkerPool;
  private readonly handovers: Handovers;
  private readonly router: FrameRouter;
  private readonly rates = new TickRates();
  private readonly orderUpdates: OrderUpdateRelay;
  private readonly connectTimeoutMs: number;
  private readonly statsTimer: NodeJS.Timeout;
  private poolChange: Promise<unknown> = Promise.resolve();
  /** While stopped: the ids of the workers it had, which hold its subscriptions until it starts again. */
  private stoppedIds: number[] | null = null;

  constructor(private readonly options: TickerOptions) {
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.subs = new DesiredSubscriptions(options.registry, options.hub);
    this.orderUpdates = new OrderUpdateRelay((error) => options.log.error({ err: error }, 'a listener of order updates failed'));
    this.pool = new WorkerPool({
      host: options.host,
      workerModule: options.workerModule,
      provider: options.provider,
      log: options.log,
      hangAfterMs: options.hangAfterMs ?? 5_000,
      frame: (slot, bytes, receivedAt) => this.router.route(slot, bytes, receivedAt),
      started: (slot) => this.pool.sendGrouped(this.subs.onWorker(slot.id), (tokens, mode) => ({ type: 'subscribe', tokens, mode })),
      died: (slot) => this.handovers.finishFrom(slot.id),
      unauthorized: (_slot, detail) => options.onUnauthorized?.(detail),
      order: (_slot, update) => this.orderUpdates.receive(update),
    });
    this.handovers = new Handovers(this.subs, this.pool, options.handoverMs ?? 3_000);
    this.router = new FrameRouter(this.subs.byToken, options.hub, this.handovers);
    this.statsTimer = setInterval(() => {
      const now = Date.now();
      this.rates.update(this.subs.values(), this.pool.values(), now);
      this.handovers.finishOverdue(now);
    }, STATS_INTERVAL_MS);
    this.statsTimer.unref();
  }

  /**
   * Starts `workers` processes with `subscriptions` split evenly over them; when `stopped`, only
   * places the subscriptions, for `resume` to start the workers that hold them.
   */
  async start(workers: number, subscriptions: DesiredTicker['subscriptions'] = [], stopped = false): Promise<void> {
    this.checkWorkerCount(workers, subscriptions.length);
    const ids = Array.from({ length: workers }, (_, at) => at + 1);
    if (stopped) this.stoppedIds = ids;
    else for (const id of ids) this.addWorker(id);
    const unique = new Map(subscriptions.map((s) => [s.instrument, s]));
    const known = [...unique.values()].filter((s) => this.options.registry.get(s.instrument));
    const moves = planAdd(new Map(), ids, known.map((s) => s.instrument), this.options.limits.instrumentsPerConnection);
    const modes = new Map(known.map((s) => [s.instrument, s.mode]));
    const placed = (moves ?? []).map((move) => this.subs.place(move, modes.get(move.instrument) ?? DEFAULT_MODE));
    this.pool.sendGrouped(placed, (tokens, mode) => ({ type: 'subscribe', tokens, mode }));
    await Promise.all([...this.pool.values()].map((slot) => slot.connected(this.connectTimeoutMs)));
  }

  subscribe(ids: readonly string[], mode?: TickMode): TickerState {
    const unique = [...new Set(ids)];
    this.options.registry.requireKnown(unique);
    const fresh = unique.filter((id) => !this.subs.has(id));
    // While stopped, instruments are placed on the workers that will hold them when it starts.
    const live = this.stoppedIds ?? this.pool.liveIds();
    const moves = planAdd(this.subs.assignment(), live, fresh, this.options.limits.instrumentsPerConnection);
    if (!moves) {
      const capacity = live.length * this.options.limits.instrumentsPerConnection;
      throw new ApiError(
        'capacity_exceeded',
        `Subscribing ${fresh.length} more would make ${this.subs.size + fresh.length} instruments; ` +
          `${live.length} workers hold at most ${capacity}. Add workers or remove instruments.`,
        { field: 'instruments', details: { subscribed: this.subs.size, adding: fresh.length, capacity } },
      );
    }
    const placed = moves.map((move) => this.subs.place(move, mode ?? DEFAULT_MODE));
    this.pool.sendGrouped(placed, (tokens, m) => ({ type: 'subscribe', tokens, mode: m }));
    if (mode) {
      const changed = unique.map((id) => this.subs.get(id)!).filter((s) => s.mode !== mode && !fresh.includes(s.instrument.id));
      for (const sub of changed) this.subs.setMode(sub, mode);
      this.pool.sendGrouped(changed, (tokens) => ({ type: 'mode', tokens, mode }), true);
    }
    this.desiredChanged();
    return this.state();
  }

  unsubscribe(ids: readonly string[]): TickerState {
    const unique = [...new Set(ids)];
    this.options.registry.requireKnown(unique);
    const gone = unique.map((id) => this.subs.get(id)).filter((s): s is Subscription => s !== undefined);
    this.pool.sendGrouped(gone, (tokens) => ({ type: 'unsubscribe', tokens }), true);
    for (const sub of gone) this.subs.remove(sub);
    this.desiredChanged();
    return this.state();
  }

  /**
   * Grows or shrinks the pool live and rebalances evenly; resolves once the moves are done.
   * Changes run one at a time, in the order asked.
   */
  setWorkerCount(count: number): Promise<TickerState> {
    const run = this.poolChange.then(() => this.changeWorkerCount(count));
    this.poolChange = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops every worker (the broker connections close); the subscriptions and the worker count
   * stay, and stay so across restarts, until `resume`. Runs in turn with worker count changes.
   */
  pause(): Promise<TickerState> {
    const run = this.poolChange.then(async () => {
      this.checkRunning();
      if (this.stoppedIds !== null) return this.state();
      const slots = [...this.pool.values()];
      this.stoppedIds = this.pool.liveIds();
      this.desiredChanged();
      await Promise.all(slots.map((slot) => this.pool.retire(slot)));
      return this.state();
    });
    this.poolChange = run.catch(() => undefined);
    return run;
  }

  /** Starts the workers again, each with the subscriptions it held; resolves once they connected (or wait for a login). */
  resume(): Promise<TickerState> {
    const run = this.poolChange.then(async () => {
      this.checkRunning();
      const ids = this.stoppedIds;
      if (ids === null) return this.state();
      this.stoppedIds = null;
      const added = ids.map((id) => this.addWorker(id));
      this.desiredChanged();
      await Promise.all(added.map((slot) => slot.connected(this.connectTimeoutMs)));
      return this.state();
    });
    this.poolChange = run.catch(() => undefined);
    return run;
  }

  /** Whether a user stopped the ticker. */
  get paused(): boolean {
    return this.stoppedIds !== null;
  }

  state(): TickerState {
    return buildTickerState({
      stopped: this.stoppedIds !== null,
      subscriptions: this.subs.values(),
      slots: this.pool.values(),
      limits: this.options.limits,
      staleAfterMs: this.staleAfterMs,
      consumers: this.options.hub.stats(),
    });
  }

  /**
   * After a new download of the instruments master: subscriptions follow their ids. One whose
   * id is no longer listed (an expired contract) is dropped, never mapped to whatever has its
   * token now; one whose token changed is moved to the new token on the same worker. Returns
   * the ids dropped.
   */
  instrumentsChanged(): string[] {
    const expired: Subscription[] = [];
    const moved: Subscription[] = [];
    for (const sub of this.subs.values()) {
      const listed = this.options.registry.get(sub.instrument.id);
      if (!listed) expired.push(sub);
      else if (listed.token !== sub.instrument.token) moved.push(sub);
      else sub.instrument = listed;
    }
    if (expired.length + moved.length === 0) return [];
    this.pool.sendGrouped([...expired, ...moved], (tokens) => ({ type: 'unsubscribe', tokens }), true);
    for (const sub of [...expired, ...moved]) this.subs.remove(sub);
    const placed = moved.map((sub) => this.subs.place({ instrument: sub.instrument.id, from: null, to: sub.worker }, sub.mode));
    this.pool.sendGrouped(placed, (tokens, mode) => ({ type: 'subscribe', tokens, mode }));
    this.desiredChanged();
    return expired.map((sub) => sub.instrument.id);
  }

  /** The broker's API key and new access token for every worker (null after a logout). */
  setCredentials(apiKey: string, accessToken: string | null): void {
    this.pool.setCredentials(apiKey, accessToken);
  }

  /** Order updates (Kite's postbacks) from the workers' connections, each once; answers a function that stops listening. */
  onOrderUpdate(listener: OrderUpdateListener): () => void {
    return this.orderUpdates.listen(listener);
  }

  /** Whether any worker waits for a broker login. */
  get needsLogin(): boolean {
    return [...this.pool.values()].some((slot) => slot.state === 'needs-login');
  }

  /**
   * Carries `instrument` too, in `mode` (by default full: the paper broker fills against its
   * depth), for the risk manager, which must price what an order names, or an algo's stream.
   * False when it did already, or cannot (an unknown instrument, the workers full).
   */
  carry(instrument: string, mode: TickMode = 'full'): boolean {
    return this.carryAll([instrument], mode) > 0;
  }

  /**
   * Carries those of `instruments` it does not yet, in `mode` (those it carries keep theirs),
   * as many as the workers hold; answers how many it added.
   */
  carryAll(instruments: readonly string[], mode: TickMode): number {
    const fresh = [...new Set(instruments)].filter((id) => !this.isSubscribed(id) && this.options.registry.get(id));
    if (fresh.length === 0) return 0;
    try {
      this.subscribe(fresh, mode);
      return fresh.length;
    } catch {
      // Not all fit: one at a time, as many as do.
      let added = 0;
      for (const id of fresh) {
        try {
          this.subscribe([id], mode);
          added++;
        } catch {
          break;
        }
      }
      return added;
    }
  }

  isSubscribed(instrument: string): boolean {
    return this.subs.has(instrument);
  }

  desired(): DesiredTicker {
    return {
      workers: (this.stoppedIds ?? this.pool.liveIds()).length,
      subscriptions: [...this.subs.values()].map((s) => ({ instrument: s.instrument.id, mode: s.mode })),
      stopped: this.stoppedIds !== null,
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.statsTimer);
    await this.pool.stop();
  }

  private async changeWorkerCount(count: number): Promise<TickerState> {
    this.checkRunning();
    if (this.stoppedIds !== null) throw new ApiError('conflict', 'The ticker is stopped: start it to change its worker count.', { field: 'count' });
    this.checkWorkerCount(count, this.subs.size);
    const live = this.pool.liveIds();
    const added: WorkerSlot[] = [];
    for (let id = 1; this.pool.liveIds().length < count; id++) if (!this.pool.has(id)) added.push(this.addWorker(id));
    const leaving = live.slice(count).map((id) => this.pool.get(id)!);
    for (const slot of leaving) slot.markLeaving();
    await Promise.all(added.map((slot) => slot.connected(this.connectTimeoutMs)));
    this.checkRunning();
    // Instruments move only onto workers the broker has accepted, or that wait for the login like
    // every other (the pool can be sized before the day's login); otherwise nothing changes.
    const refused = added.filter((slot) => slot.state !== 'ready' && slot.state !== 'needs-login');
    if (refused.length > 0) {
      for (const slot of leaving) slot.cancelLeaving();
      const reasons = refused.map((slot) => `worker ${slot.id}: ${slot.providerDetail}`).join('; ');
      await Promise.all(added.map((slot) => this.pool.retire(slot)));
      throw new ApiError('unavailable', `The broker did not accept the new connection (${reasons}); the workers are unchanged.`, {
        field: 'count',
      });
    }
    this.handovers.apply(planRebalance(this.subs.assignment(), this.pool.liveIds()));
    this.desiredChanged();
    if (leaving.length > 0) {
      await this.handovers.settled(leaving.map((slot) => slot.id));
      await Promise.all(leaving.map((slot) => this.pool.retire(slot)));
    }
    return this.state();
  }

  private addWorker(id: number): WorkerSlot {
    this.checkRunning();
    return this.pool.add(id);
  }

  private checkRunning(): void {
    if (this.pool.stopped) throw new ApiError('unavailable', 'The ticker is stopping.');
  }

  private checkWorkerCount(count: number, instruments: number): void {
    const { connectionsPerKey, instrumentsPerConnection } = this.options.limits;
    if (count > connectionsPerKey) {
      throw new ApiError('capacity_exceeded', `The broker allows at most ${connectionsPerKey} connections (workers) per API key.`, {
        field: 'count',
      });
    }
    if (count * instrumentsPerConnection < instruments) {
      throw new ApiError(
        'capacity_exceeded',
        `${count} workers hold at most ${count * instrumentsPerConnection} instruments; ${instruments} are subscribed.`,
        { field: 'count' },
      );
    }
  }

  /** Persists the change; a failure to save is logged, as the change is already live. */
  private desiredChanged(): void {
    try {
      this.options.onDesiredChange?.(this.desired());
    } catch (error) {
      this.options.log.error({ err: error }, 'could not save the ticker subscriptions; they will be lost on restart');
    }
  }
}
