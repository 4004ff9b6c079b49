/**
 * One place in the worker pool: the current process (replaced when it dies) and its figures.
 * Its state changes only through its methods, each named for what happened.
 */
import type { WorkerState } from '../../shared/contract/api';
import type { HostedProcess } from '../process/process-host';
import { RestartBackoff } from '../process/restart-backoff';
import { stopHosted } from '../process/stop-hosted';
import type { ProviderState } from './provider';
import { smooth } from './tick-rates';
import type { FromWorker } from './worker-protocol';

export type WorkerStats = Extract<FromWorker, { type: 'stats' }>;

export class WorkerSlot {
  private current: HostedProcess | null = null;
  /** The broker connection's state, as the worker reported it. */
  private connection: WorkerState = 'starting';
  private isLeaving = false;
  /** The current process was killed; its exit is on its way. */
  private killed = false;
  private restartCount = 0;
  private respawnDelay = 0;
  private readonly deaths: RestartBackoff;
  /** Ticks accepted since the last rate update. */
  private ticks = 0;
  private rate = 0;
  private lastTick = 0;
  private detail = 'starting';
  private stats: WorkerStats | undefined;
  /** When the current process last sent anything (a message or a frame). */
  private lastHeardAt: number;
  private spoke = false;
  private waiters: Array<() => void> = [];

  /**
   * @param unresponsiveAfterMs silence after which a worker that has spoken is shown
   *   `unresponsive` (it reports every second, so this is a few missed reports)
   * @param now clock in epoch ms, injectable for tests
   */
  constructor(
    readonly id: number,
    private readonly unresponsiveAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastHeardAt = now();
    // Immediate replacement, slowing down only when the worker keeps dying.
    this.deaths = new RestartBackoff({ immediate: 2, firstDelayMs: 200, maxDelayMs: 5000, now });
  }

  get proc(): HostedProcess | null {
    return this.current;
  }

  get pid(): number | null {
    return this.current?.pid ?? null;
  }

  /** What the ticker state shows. */
  get state(): WorkerState {
    if (this.isLeaving) return 'stopping';
    // A hung or stopped worker must not look ready while it waits to be replaced.
    if (this.current && this.spoke && this.now() - this.lastHeardAt > this.unresponsiveAfterMs) return 'unresponsive';
    return this.connection;
  }

  /** Being retired: takes no new instruments and is not replaced when it ends. */
  get leaving(): boolean {
    return this.isLeaving;
  }

  get restarts(): number {
    return this.restartCount;
  }

  /** How long to wait before replacing the process that just died. */
  get respawnDelayMs(): number {
    return this.respawnDelay;
  }

  get ticksPerSecond(): number {
    return this.rate;
  }

  get lastTickAt(): number {
    return this.lastTick;
  }

  get providerDetail(): string {
    return this.detail;
  }

  get providerStats(): WorkerStats | undefined {
    return this.stats;
  }

  /** The current process has sent something since it started. */
  get heardFrom(): boolean {
    return this.spoke;
  }

  silentMs(now: number): number {
    return now - this.lastHeardAt;
  }

  attach(proc: HostedProcess): void {
    this.current = proc;
    this.killed = false;
    this.spoke = false;
    this.lastHeardAt = this.now();
    this.connection = 'starting';
    this.detail = 'starting';
  }

  detach(): void {
    this.current = null;
    this.connection = 'dead';
    this.detail = 'process ended';
    for (const resolve of this.waiters.splice(0)) resolve(); // nothing left to wait for
    if (!this.isLeaving) {
      this.restartCount++;
      this.respawnDelay = this.deaths.died();
    }
  }

  markLeaving(): void {
    this.isLeaving = true;
  }

  /** A pool change that was refused: the worker stays. */
  cancelLeaving(): void {
    this.isLeaving = false;
  }

  /** The current process sent something: it is alive and answering. */
  heard(now: number): void {
    this.lastHeardAt = now;
    this.spoke = true;
  }

  onProviderState(state: ProviderState, detail: string | undefined): void {
    this.detail = detail ? `${state}: ${detail}` : state;
    if (state === 'connected') this.connection = 'ready';
    else if (state === 'reconnecting') this.connection = 'reconnecting';
    else if (state === 'connecting') this.connection = 'connecting';
    else if (state === 'unauthorized') this.connection = 'needs-login';
    // The first attempt's outcome, success or refusal, is what a waiter needs to know.
    if (state === 'connected' || state === 'reconnecting' || state === 'unauthorized') for (const resolve of this.waiters.splice(0)) resolve();
  }

  onStats(stats: WorkerStats): void {
    this.stats = stats;
  }

  /** Hot path: `count` ticks of one frame, received at `receivedAt`, were accepted. */
  countTicks(count: number, receivedAt: number): void {
    if (count === 0) return;
    this.ticks += count;
    this.lastTick = receivedAt;
  }

  /** Turns the ticks counted over the last `seconds` into the smoothed rate. */
  updateRate(seconds: number): void {
    this.rate = smooth(this.rate, this.ticks / seconds);
    this.ticks = 0;
  }

  /** Resolves when the first connection attempt has succeeded or failed, or after `timeoutMs`. */
  connected(timeoutMs: number): Promise<void> {
    if (this.connection === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Kills the current process at once (hung, or its link broke); its exit counts as a death. */
  kill(): boolean {
    if (!this.current || this.killed) return false;
    this.killed = true;
    this.current.kill('SIGKILL');
    return true;
  }

  /** Retires the worker: asks it to close its connection and exit, and kills it if it does not in time. */
  stop(timeoutMs: number): Promise<void> {
    this.isLeaving = true;
    return this.current ? stopHosted(this.current, timeoutMs) : Promise.resolve();
  }
}
