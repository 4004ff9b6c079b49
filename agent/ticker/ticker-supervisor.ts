/**
 * The ticker engine's supervisor: keeps the desired subscription set, places instruments on
 * worker processes (see splitter.ts), replaces dead workers, and routes each worker's ticks into
 * the hub. Nothing here restarts a healthy worker: every change is applied live, and an
 * instrument that moves is handed over make-before-break (the old worker keeps delivering until
 * the new one's first tick).
 */
import type { Logger } from 'pino';
import type { TickerState } from '../../shared/contract/api';
import { ApiError } from '../../shared/errors';
import { packetLength } from '../../shared/kite-packet';
import type { TickMode } from '../../shared/tick';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { HostedProcess, ProcessHost } from '../process/process-host';
import { AGENT_NODE_FLAGS } from '../process/node-flags';
import type { ProviderConfig, ProviderLimits } from './provider';
import { planAdd, planRebalance, type Move } from './splitter';
import type { TickHub } from './tick-hub';
import { type ExpectedLink, TickLinks } from './tick-link-connector';
import { fromWorkerSchema, type ToWorker } from './worker-protocol';
import { buildTickerState, smooth, type Subscription } from './ticker-state';
import { WorkerSlot } from './worker-slot';

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
  /** A worker silent this long (it reports every second) is killed and replaced. */
  hangAfterMs?: number;
  /** Called after every change of the desired state, to persist it. */
  onDesiredChange?: (desired: DesiredTicker) => void;
}

export interface DesiredTicker {
  workers: number;
  subscriptions: Array<{ instrument: string; mode: TickMode }>;
}

const DEFAULT_MODE: TickMode = 'quote';
/** The shortest Kite packet (ltp mode). */
const MIN_PACKET = packetLength(1, 'ltp');

export class TickerSupervisor {
  private readonly subs = new Map<string, Subscription>();
  private readonly byToken = new Map<number, Subscription>();
  private readonly slots = new Map<number, WorkerSlot>();
  readonly staleAfterMs: number;
  private readonly handoverMs: number;
  private readonly connectTimeoutMs: number;
  private readonly hangAfterMs: number;
  private readonly statsTimer: NodeJS.Timeout;
  private lastStatsAt = Date.now();
  private poolChange: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private link: TickLinks | undefined;

  constructor(private readonly options: TickerOptions) {
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.handoverMs = options.handoverMs ?? 3_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.hangAfterMs = options.hangAfterMs ?? 5_000;
    this.statsTimer = setInterval(() => this.tickStats(), 1000);
    this.statsTimer.unref();
  }

  /** Starts `workers` processes with `subscriptions` split evenly over them. */
  async start(workers: number, subscriptions: DesiredTicker['subscriptions'] = []): Promise<void> {
    this.checkWorkerCount(workers, subscriptions.length);
    this.link = TickLinks.open();
    for (let id = 1; id <= workers; id++) this.addSlot(id);
    const unique = new Map(subscriptions.map((s) => [s.instrument, s]));
    const known = [...unique.values()].filter((s) => this.options.registry.get(s.instrument));
    const moves = planAdd(new Map(), this.liveIds(), known.map((s) => s.instrument), this.options.limits.instrumentsPerConnection);
    const modes = new Map(known.map((s) => [s.instrument, s.mode]));
    const placed = (moves ?? []).map((move) => this.place(move, modes.get(move.instrument) ?? DEFAULT_MODE));
    this.sendGrouped(placed, (tokens, mode) => ({ type: 'subscribe', tokens, mode }));
    await Promise.all([...this.slots.values()].map((slot) => slot.connected(this.connectTimeoutMs)));
  }

  subscribe(ids: readonly string[], mode?: TickMode): TickerState {
    const unique = [...new Set(ids)];
    this.options.registry.requireKnown(unique);
    const fresh = unique.filter((id) => !this.subs.has(id));
    const moves = planAdd(this.assignment(), this.liveIds(), fresh, this.options.limits.instrumentsPerConnection);
    if (!moves) {
      const capacity = this.liveIds().length * this.options.limits.instrumentsPerConnection;
      throw new ApiError(
        'capacity_exceeded',
        `Subscribing ${fresh.length} more would make ${this.subs.size + fresh.length} instruments; ` +
          `${this.liveIds().length} workers hold at most ${capacity}. Add workers or remove instruments.`,
        { field: 'instruments', details: { subscribed: this.subs.size, adding: fresh.length, capacity } },
      );
    }
    const placed = moves.map((move) => this.place(move, mode ?? DEFAULT_MODE));
    this.sendGrouped(placed, (tokens, m) => ({ type: 'subscribe', tokens, mode: m }));
    if (mode) {
      const changed = unique.map((id) => this.subs.get(id)!).filter((s) => s.mode !== mode && !fresh.includes(s.instrument.id));
      for (const sub of changed) this.setMode(sub, mode);
      this.sendGrouped(changed, (tokens) => ({ type: 'mode', tokens, mode }), true);
    }
    this.desiredChanged();
    return this.state();
  }

  unsubscribe(ids: readonly string[]): TickerState {
    const unique = [...new Set(ids)];
    this.options.registry.requireKnown(unique);
    const gone = unique.map((id) => this.subs.get(id)).filter((s): s is Subscription => s !== undefined);
    this.sendGrouped(gone, (tokens) => ({ type: 'unsubscribe', tokens }), true);
    for (const sub of gone) {
      this.subs.delete(sub.instrument.id);
      this.byToken.delete(sub.instrument.token);
      this.options.hub.forget(sub.instrument.token);
    }
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

  private async changeWorkerCount(count: number): Promise<TickerState> {
    this.checkRunning();
    this.checkWorkerCount(count, this.subs.size);
    const live = this.liveIds();
    const added: WorkerSlot[] = [];
    for (let id = 1; this.liveIds().length < count; id++) if (!this.slots.has(id)) added.push(this.addSlot(id));
    const leaving = live.slice(count).map((id) => this.slots.get(id)!);
    for (const slot of leaving) slot.stopping = true;
    await Promise.all(added.map((slot) => slot.connected(this.connectTimeoutMs)));
    this.checkRunning();
    // Instruments move only onto workers the broker has accepted; otherwise nothing changes.
    const refused = added.filter((slot) => slot.state !== 'ready');
    if (refused.length > 0) {
      for (const slot of leaving) slot.stopping = false;
      const reasons = refused.map((slot) => `worker ${slot.id}: ${slot.providerDetail}`).join('; ');
      await Promise.all(added.map((slot) => this.retire(slot)));
      throw new ApiError('unavailable', `The broker did not accept the new connection (${reasons}); the workers are unchanged.`, {
        field: 'count',
      });
    }
    this.applyMoves(planRebalance(this.assignment(), this.liveIds()));
    this.desiredChanged();
    if (leaving.length > 0) {
      await this.handoversDone(leaving.map((slot) => slot.id));
      await Promise.all(leaving.map((slot) => this.retire(slot)));
    }
    return this.state();
  }

  private checkRunning(): void {
    if (this.stopped) throw new ApiError('unavailable', 'The ticker is stopping.');
  }

  state(): TickerState {
    return buildTickerState({
      subscriptions: this.subs.values(),
      slots: this.slots.values(),
      limits: this.options.limits,
      staleAfterMs: this.staleAfterMs,
      consumers: this.options.hub.stats(),
    });
  }

  isSubscribed(instrument: string): boolean {
    return this.subs.has(instrument);
  }

  desired(): DesiredTicker {
    return {
      workers: this.liveIds().length,
      subscriptions: [...this.subs.values()].map((s) => ({ instrument: s.instrument.id, mode: s.mode })),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.statsTimer);
    await Promise.all([...this.slots.values()].map((slot) => this.retire(slot)));
    this.link?.close();
  }

  // --- workers ---

  private addSlot(id: number): WorkerSlot {
    this.checkRunning();
    const slot = new WorkerSlot(id);
    this.slots.set(id, slot);
    this.spawn(slot);
    return slot;
  }

  private spawn(slot: WorkerSlot): void {
    const proc = this.options.host.spawn(this.options.workerModule, {
      name: `ticker-worker-${slot.id}`,
      nodeFlags: AGENT_NODE_FLAGS,
    });
    slot.attach(proc);
    const link = this.link!.expect({
      frame: (bytes, receivedAt) => (slot.proc === proc ? this.onTicks(slot, bytes, receivedAt) : undefined),
      closed: (reason) => {
        if (slot.proc !== proc || slot.stopping || this.stopped) return;
        this.options.log.warn({ worker: slot.id, reason }, 'ticker worker lost its tick link; replacing it');
        proc.kill('SIGKILL');
      },
    });
    proc.onMessage((message) => this.onWorkerMessage(slot, proc, link, message));
    proc.onExit((code, signal) => {
      link.cancel();
      this.onWorkerExit(slot, proc, code, signal);
    });
    proc.send({ type: 'init', workerId: slot.id, provider: this.options.provider, link: { path: link.path, key: link.key } } satisfies ToWorker);
    const mine = [...this.subs.values()].filter((s) => s.worker === slot.id);
    this.sendGrouped(mine, (tokens, mode) => ({ type: 'subscribe', tokens, mode }));
  }

  private onWorkerExit(slot: WorkerSlot, proc: HostedProcess, code: number | null, signal: string | null): void {
    if (slot.proc !== proc) return;
    slot.detach();
    if (slot.stopping || this.stopped) return;
    // Instruments leaving this worker switch to their new home at once.
    for (const sub of this.subs.values()) if (sub.handoverFrom === slot.id) this.finishHandover(sub);
    const delay = slot.nextRespawnDelay();
    this.options.log.warn({ worker: slot.id, code, signal, delay }, 'ticker worker died; replacing it');
    setTimeout(() => {
      if (!slot.stopping && !this.stopped && slot.proc === null) this.spawn(slot);
    }, delay).unref();
  }

  private onWorkerMessage(slot: WorkerSlot, proc: HostedProcess, link: ExpectedLink, message: unknown): void {
    if (slot.proc !== proc) return;
    slot.lastHeardAt = Date.now();
    const parsed = fromWorkerSchema.safeParse(message);
    if (!parsed.success) {
      this.options.log.warn({ worker: slot.id }, 'ticker worker sent a malformed message');
      return;
    }
    const m = parsed.data;
    if (m.type === 'link-listening') link.connect();
    else if (m.type === 'provider') slot.onProviderState(m.state, m.detail);
    else if (m.type === 'notice') this.options.log[m.level === 'error' ? 'warn' : 'info']({ worker: slot.id }, m.text);
    else if (m.type === 'stats') slot.providerStats = m;
  }

  /**
   * Hot path: routes every packet of a worker's Kite frame to the hub, in one pass that also
   * checks the frame's structure. The worker has checked it already, so a bad frame here means
   * a broken link: the packets before the fault are complete and go out, and the error returned
   * ends the link (the worker is replaced).
   */
  private onTicks(slot: WorkerSlot, bytes: Uint8Array, receivedAt: number): string | undefined {
    slot.lastHeardAt = Date.now();
    const end = bytes.byteLength;
    if (end < 2) return `a ${end}-byte tick frame is shorter than its header`;
    const view = new DataView(bytes.buffer, bytes.byteOffset, end);
    const count = view.getUint16(0);
    const hub = this.options.hub;
    hub.beginFrame(bytes, receivedAt);
    let error: string | undefined;
    let at = 2;
    let accepted = 0;
    try {
      for (let i = 0; i < count; i++) {
        if (at + 2 > end) {
          error = `tick frame ends before packet ${i + 1} of ${count}`;
          break;
        }
        const length = view.getUint16(at);
        const offset = at + 2;
        at = offset + length;
        if (at > end || length < MIN_PACKET) {
          error = `packet ${i + 1} of ${count} has a bad length (${length})`;
          break;
        }
        const sub = this.byToken.get(view.getInt32(offset));
        if (sub === undefined || length !== sub.packetLength) continue; // not carried, or of a previous mode
        if (sub.worker !== slot.id) {
          if (sub.handoverFrom !== slot.id) continue;
        } else if (sub.handoverFrom !== null) this.finishHandover(sub);
        sub.count++;
        sub.lastTickAt = receivedAt;
        accepted++;
        hub.tick(sub.channel, offset, length);
      }
    } finally {
      hub.endFrame(); // the frame's memory is reused after this call: the hub must let go of it
    }
    if (error === undefined && at !== end) error = `${end - at} stray bytes after ${count} packets`;
    slot.count += accepted;
    if (accepted > 0) slot.lastTickAt = receivedAt;
    return error;
  }

  private async retire(slot: WorkerSlot): Promise<void> {
    slot.stopping = true;
    await slot.stop(3000);
    this.slots.delete(slot.id);
  }

  // --- placement ---

  /** Records a new subscription; the caller sends the subscribe messages, grouped. */
  private place(move: Move, mode: TickMode): Subscription {
    const instrument = this.options.registry.get(move.instrument)!;
    const sub: Subscription = {
      instrument,
      mode,
      packetLength: packetLength(instrument.token, mode),
      worker: move.to,
      handoverFrom: null,
      handoverSince: Date.now(),
      count: 0,
      ticksPerSecond: 0,
      lastTickAt: 0,
      channel: this.options.hub.channel(instrument.token),
    };
    this.subs.set(instrument.id, sub);
    this.byToken.set(instrument.token, sub);
    return sub;
  }

  private setMode(sub: Subscription, mode: TickMode): void {
    sub.mode = mode;
    sub.packetLength = packetLength(sub.instrument.token, mode);
  }

  private applyMoves(moves: Move[]): void {
    const moving = moves.map((move) => this.subs.get(move.instrument)!);
    moves.forEach((move, i) => {
      const sub = moving[i]!;
      if (sub.handoverFrom !== null) this.finishHandover(sub);
      sub.handoverFrom = move.from;
      sub.handoverSince = Date.now();
      sub.worker = move.to;
    });
    this.sendGrouped(moving, (tokens, mode) => ({ type: 'subscribe', tokens, mode }));
  }

  private finishHandover(sub: Subscription): void {
    const from = sub.handoverFrom;
    sub.handoverFrom = null;
    if (from !== null) this.send(from, { type: 'unsubscribe', tokens: [sub.instrument.token] });
  }

  private async handoversDone(from: number[]): Promise<void> {
    const deadline = Date.now() + this.handoverMs + 1000;
    while (Date.now() < deadline) {
      const pending = [...this.subs.values()].some((s) => s.handoverFrom !== null && from.includes(s.handoverFrom));
      if (!pending) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  // --- helpers ---

  private liveIds(): number[] {
    return [...this.slots.values()].filter((s) => !s.stopping).map((s) => s.id).sort((a, b) => a - b);
  }

  private assignment(): Map<string, number> {
    return new Map([...this.subs.values()].map((s) => [s.instrument.id, s.worker]));
  }

  private send(workerId: number, message: ToWorker): void {
    this.slots.get(workerId)?.proc?.send(message);
  }

  /** One message per worker (and mode), chunked; `byHandover` also reaches a worker handing over. */
  private sendGrouped(
    subs: Subscription[],
    build: (tokens: number[], mode: TickMode) => ToWorker,
    byHandover = false,
  ): void {
    const groups = new Map<string, number[]>();
    const add = (worker: number, mode: TickMode, token: number) => {
      const key = `${worker}:${mode}`;
      const list = groups.get(key);
      if (list) list.push(token);
      else groups.set(key, [token]);
    };
    for (const sub of subs) {
      add(sub.worker, sub.mode, sub.instrument.token);
      if (byHandover && sub.handoverFrom !== null) add(sub.handoverFrom, sub.mode, sub.instrument.token);
    }
    for (const [key, tokens] of groups) {
      const [worker, mode] = key.split(':') as [string, TickMode];
      for (let i = 0; i < tokens.length; i += 5000) this.send(Number(worker), build(tokens.slice(i, i + 5000), mode));
    }
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

  private tickStats(): void {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastStatsAt) / 1000);
    this.lastStatsAt = now;
    // Smoothed over about two seconds, so a rate does not flicker with the timer's phase.
    for (const sub of this.subs.values()) {
      sub.ticksPerSecond = smooth(sub.ticksPerSecond, sub.count / seconds);
      sub.count = 0;
      // The old worker keeps an instrument until the new one ticks it, or is up and had time to.
      const overdue = sub.handoverFrom !== null && now - sub.handoverSince > this.handoverMs;
      if (overdue && this.slots.get(sub.worker)?.state === 'ready') this.finishHandover(sub);
    }
    for (const slot of this.slots.values()) {
      slot.ticksPerSecond = smooth(slot.ticksPerSecond, slot.count / seconds);
      slot.count = 0;
      // A worker that is alive but silent (hung, stopped) delivers nothing: replace it.
      if (slot.proc && !slot.stopping && now - slot.lastHeardAt > this.hangAfterMs) {
        this.options.log.warn({ worker: slot.id, silentMs: now - slot.lastHeardAt }, 'ticker worker stopped answering; replacing it');
        slot.lastHeardAt = now;
        slot.proc.kill('SIGKILL');
      }
    }
  }
}

