/**
 * What `sdk-algo.ts` and `sdk-floor.ts` share: the arguments, the delivery meter (each tick's delay
 * from the agent's worker to here, for the set seconds after 3 s of warm-up, with this process's
 * CPU over the same window), quantiles, and the summary line written before exiting.
 */
import { readFileSync } from 'node:fs';

export const instruments = readFileSync(process.argv[2]!, 'utf8').split('\n').filter(Boolean);
export const seconds = Number(process.argv[3] ?? 10);
export const orders = Number(process.argv[4] ?? 300);

export class DeliveryMeter {
  readonly delays: number[] = [];
  private measuring = false;
  private readonly warmUp = performance.now() + 3000;
  private readonly end = this.warmUp + seconds * 1000;
  private cpuStart = process.cpuUsage();
  private cpu: NodeJS.CpuUsage | null = null;

  /** The time now, epoch ms; starts measuring once warmed up. */
  now(): number {
    const at = performance.now();
    if (!this.measuring && at >= this.warmUp) {
      this.measuring = true;
      this.cpuStart = process.cpuUsage();
    }
    return performance.timeOrigin + at;
  }

  /** Counts a tick received at `now` (from `now()`) that reached the worker at `receivedAt`. */
  record(now: number, receivedAt: number): void {
    if (this.measuring) this.delays.push(now - receivedAt);
  }

  /** True once the window is over (and the CPU used in it taken). */
  over(): boolean {
    if (performance.now() < this.end) return false;
    this.cpu ??= process.cpuUsage(this.cpuStart);
    return true;
  }

  get cpuPercent(): number {
    const cpu = this.cpu ?? process.cpuUsage(this.cpuStart);
    return ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
  }
}

export function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), n: sorted.length };
}

/** The summary only (a line of every delay is too long to trust to a pipe before exit), written before exiting. */
export function reportAndExit(meter: DeliveryMeter, orderMs: number[]): void {
  const line = `${JSON.stringify({ ticks: meter.delays.length, seconds, delivery: quantiles(meter.delays), cpuPercent: meter.cpuPercent, order: quantiles(orderMs) })}\n`;
  process.stdout.write(line, () => process.exit(0));
}
