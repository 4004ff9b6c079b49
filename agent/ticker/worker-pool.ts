/**
 * The worker processes: a slot per worker, whose process is spawned, linked (its tick link),
 * listened to, and replaced when it dies or hangs. Nothing here decides what a worker carries;
 * the pool tells the supervisor when a worker starts or dies, and sends workers its messages.
 */
import type { Logger } from 'pino';
import type { TickMode } from '../../shared/tick';
import { AGENT_NODE_FLAGS } from '../process/node-flags';
import type { HostedProcess, ProcessHost } from '../process/process-host';
import type { KiteOrderUpdate } from '../broker/kite/kite-order-update';
import type { Subscription } from './desired-subscriptions';
import type { ProviderConfig } from './provider';
import { type ExpectedLink, TickLinks } from './tick-link-connector';
import { fromWorkerSchema, type ToWorker } from './worker-protocol';
import { WorkerSlot } from './worker-slot';

export interface WorkerPoolOptions {
  host: ProcessHost;
  workerModule: string;
  provider: ProviderConfig;
  log: Logger;
  /** A worker silent this long (it reports every second) is killed and replaced. */
  hangAfterMs: number;
  /** A frame from a worker's link, a view valid only during the call; an error text ends the link. */
  frame(slot: WorkerSlot, bytes: Uint8Array, receivedAt: number): string | undefined;
  /** A process has started in `slot`: send it what it is to carry. */
  started(slot: WorkerSlot): void;
  /** The process in `slot` died (it was not asked to stop); a replacement follows. */
  died(slot: WorkerSlot): void;
  /** The broker refused the worker's access token, or it has none: it waits for a login. */
  unauthorized?(slot: WorkerSlot, detail: string): void;
  /** An order update from the worker's broker connection (every connection carries each one). */
  order?(slot: WorkerSlot, update: KiteOrderUpdate): void;
}

/** How often silence is checked: a hung worker is replaced this soon after `hangAfterMs`. */
const WATCH_INTERVAL_MS = 250;
/** Silence shown as `unresponsive`: two missed reports, or half of `hangAfterMs` if that is shorter. */
const UNRESPONSIVE_AFTER_MS = 2000;
/**
 * How long a new process may stay silent while it starts. Loading a worker takes well under a
 * second when built, but several on a loaded machine running the TypeScript sources: that is
 * not a hang.
 */
const STARTUP_SILENCE_MS = 15_000;
/** Tokens per subscribe/unsubscribe/mode message (a worker accepts up to 10,000). */
const TOKENS_PER_MESSAGE = 5000;

export class WorkerPool {
  private readonly slots = new Map<number, WorkerSlot>();
  private links: TickLinks | undefined;
  private readonly watchTimer: NodeJS.Timeout;
  private readonly unresponsiveAfterMs: number;
  private isStopped = false;
  /** What a new worker connects with; the access token changes with each login. */
  private provider: ProviderConfig;

  constructor(private readonly options: WorkerPoolOptions) {
    this.provider = options.provider;
    this.unresponsiveAfterMs = Math.min(UNRESPONSIVE_AFTER_MS, options.hangAfterMs / 2);
    this.watchTimer = setInterval(() => this.replaceHung(), WATCH_INTERVAL_MS);
    this.watchTimer.unref();
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  get(id: number): WorkerSlot | undefined {
    return this.slots.get(id);
  }

  has(id: number): boolean {
    return this.slots.has(id);
  }

  values(): IterableIterator<WorkerSlot> {
    return this.slots.values();
  }

  /** Ids of the workers that stay (not being retired), in order. */
  liveIds(): number[] {
    return [...this.slots.values()].filter((s) => !s.leaving).map((s) => s.id).sort((a, b) => a - b);
  }

  /** Starts a worker in a new slot. */
  add(id: number): WorkerSlot {
    const slot = new WorkerSlot(id, this.unresponsiveAfterMs);
    this.slots.set(id, slot);
    this.spawn(slot);
    return slot;
  }

  /** Stops a worker and removes its slot. */
  async retire(slot: WorkerSlot): Promise<void> {
    await slot.stop(3000);
    this.slots.delete(slot.id);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.watchTimer);
    await Promise.all([...this.slots.values()].map((slot) => this.retire(slot)));
    this.links?.close();
  }

  /** Every worker, and every later one, uses these credentials (a null token: disconnect and wait for a login). */
  setCredentials(apiKey: string, accessToken: string | null): void {
    const { accessToken: _old, ...rest } = this.provider;
    this.provider = accessToken === null ? { ...rest, apiKey } : { ...rest, apiKey, accessToken };
    for (const slot of this.slots.values()) slot.proc?.send({ type: 'credentials', apiKey, accessToken } satisfies ToWorker);
  }

  send(worker: number, message: ToWorker): void {
    this.slots.get(worker)?.proc?.send(message);
  }

  /** One message per worker (and mode), chunked; `byHandover` also reaches a worker handing over. */
  sendGrouped(subs: Subscription[], build: (tokens: number[], mode: TickMode) => ToWorker, byHandover = false): void {
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
      for (let i = 0; i < tokens.length; i += TOKENS_PER_MESSAGE) this.send(Number(worker), build(tokens.slice(i, i + TOKENS_PER_MESSAGE), mode));
    }
  }

  private spawn(slot: WorkerSlot): void {
    const proc = this.options.host.spawn(this.options.workerModule, {
      name: `ticker-worker-${slot.id}`,
      nodeFlags: AGENT_NODE_FLAGS,
    });
    slot.attach(proc);
    this.links ??= TickLinks.open();
    const link = this.links.expect({
      frame: (bytes, receivedAt) => (slot.proc === proc ? this.options.frame(slot, bytes, receivedAt) : undefined),
      closed: (reason) => {
        if (slot.proc !== proc || slot.leaving || this.isStopped) return;
        this.options.log.warn({ worker: slot.id, reason }, 'ticker worker lost its tick link; replacing it');
        slot.kill();
      },
    });
    proc.onMessage((message) => this.onMessage(slot, proc, link, message));
    proc.onExit((code, signal) => {
      link.cancel();
      this.onExit(slot, proc, code, signal);
    });
    proc.send({ type: 'init', workerId: slot.id, provider: this.provider, link: { path: link.path, key: link.key } } satisfies ToWorker);
    this.options.started(slot);
  }

  private onExit(slot: WorkerSlot, proc: HostedProcess, code: number | null, signal: string | null): void {
    if (slot.proc !== proc) return;
    slot.detach();
    if (slot.leaving || this.isStopped) return;
    this.options.died(slot);
    const delay = slot.respawnDelayMs;
    this.options.log.warn({ worker: slot.id, code, signal, delay }, 'ticker worker died; replacing it');
    setTimeout(() => {
      if (!slot.leaving && !this.isStopped && slot.proc === null) this.spawn(slot);
    }, delay).unref();
  }

  private onMessage(slot: WorkerSlot, proc: HostedProcess, link: ExpectedLink, message: unknown): void {
    if (slot.proc !== proc) return;
    slot.heard(Date.now());
    const parsed = fromWorkerSchema.safeParse(message);
    if (!parsed.success) {
      this.options.log.warn({ worker: slot.id }, 'ticker worker sent a malformed message');
      return;
    }
    const m = parsed.data;
    if (m.type === 'link-listening') link.connect();
    else if (m.type === 'provider') {
      slot.onProviderState(m.state, m.detail);
      if (m.state === 'unauthorized') this.options.unauthorized?.(slot, m.detail ?? '');
    }
    else if (m.type === 'notice') this.options.log[m.level === 'error' ? 'warn' : 'info']({ worker: slot.id }, m.text);
    else if (m.type === 'stats') slot.onStats(m);
    else if (m.type === 'order') this.options.order?.(slot, m.order);
  }

  /** A worker that is alive but silent (hung, stopped) delivers nothing: replace it. */
  private replaceHung(): void {
    const now = Date.now();
    const hangAfterMs = this.options.hangAfterMs;
    const startupMs = Math.max(hangAfterMs, STARTUP_SILENCE_MS);
    for (const slot of this.slots.values()) {
      const silentMs = slot.silentMs(now);
      if (slot.leaving || silentMs <= (slot.heardFrom ? hangAfterMs : startupMs) || !slot.kill()) continue;
      this.options.log.warn({ worker: slot.id, silentMs }, 'ticker worker stopped answering; replacing it');
    }
  }
}
