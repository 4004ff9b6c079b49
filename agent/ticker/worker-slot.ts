/** One place in the worker pool: the current process (replaced when it dies) and its figures. */
import type { WorkerState } from '../../shared/contract/api';
import type { HostedProcess } from '../process/process-host';
import { stopHosted } from '../process/stop-hosted';
import type { ProviderState } from './provider';
import type { FromWorker } from './worker-protocol';

const RESTART_WINDOW_MS = 30_000;

export class WorkerSlot {
  proc: HostedProcess | null = null;
  state: WorkerState = 'starting';
  stopping = false;
  restarts = 0;
  count = 0;
  ticksPerSecond = 0;
  lastTickAt = 0;
  providerDetail = 'starting';
  providerStats: Extract<FromWorker, { type: 'stats' }> | undefined;
  /** When the current process last sent anything. */
  lastHeardAt = Date.now();
  private recentDeaths: number[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly id: number) {}

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  attach(proc: HostedProcess): void {
    this.proc = proc;
    this.lastHeardAt = Date.now();
    this.state = 'starting';
    this.providerDetail = 'starting';
  }

  detach(): void {
    this.proc = null;
    this.state = 'dead';
    this.providerDetail = 'process ended';
    for (const resolve of this.waiters.splice(0)) resolve(); // nothing left to wait for
    if (!this.stopping) {
      this.restarts++;
      this.recentDeaths.push(Date.now());
    }
  }

  onProviderState(state: ProviderState, detail: string | undefined): void {
    this.providerDetail = detail ? `${state}: ${detail}` : state;
    if (state === 'connected') this.state = 'ready';
    else if (state === 'reconnecting') this.state = 'reconnecting';
    else if (state === 'connecting') this.state = 'connecting';
    // The first attempt's outcome, success or refusal, is what a waiter needs to know.
    if (state === 'connected' || state === 'reconnecting') for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Resolves when the first connection attempt has succeeded or failed, or after `timeoutMs`. */
  connected(timeoutMs: number): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Immediate replacement, slowing down only when the worker keeps dying. */
  nextRespawnDelay(): number {
    const now = Date.now();
    this.recentDeaths = this.recentDeaths.filter((at) => now - at < RESTART_WINDOW_MS);
    const streak = this.recentDeaths.length;
    return streak <= 2 ? 0 : Math.min(5000, 100 * 2 ** (streak - 2));
  }

  /** Asks the worker to close its connection and exit; kills it if it does not in time. */
  stop(timeoutMs: number): Promise<void> {
    return this.proc ? stopHosted(this.proc, timeoutMs) : Promise.resolve();
  }
}
