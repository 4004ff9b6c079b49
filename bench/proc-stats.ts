/** CPU and memory of processes, read from /proc (Linux), for benchmarks. */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Seconds the process's main thread has spent runnable but waiting for a CPU (its run-queue delay,
 * from /proc/<pid>/schedstat): on a busy machine, the share of latency that is waiting for a turn.
 */
export function runQueueSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9 || 0;
  } catch {
    return 0;
  }
}

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/**
 * Samples CPU (as % of one core over the window), run-queue waiting (main threads, summed, as %
 * of the window) and peak RSS of a set of processes.
 */
export class ProcessSampler {
  private readonly startCpu: number;
  private readonly startWait: number;
  private readonly startAt = performance.now();
  private peakRss = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => number[]) {
    this.startCpu = this.cpu();
    this.startWait = this.wait();
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
  }

  private cpu(): number {
    return this.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  private wait(): number {
    return this.pids().reduce((sum, pid) => sum + runQueueSeconds(pid), 0);
  }

  private sample(): void {
    this.peakRss = Math.max(this.peakRss, this.pids().reduce((sum, pid) => sum + rssMb(pid), 0));
  }

  finish(): { cpuPercent: number; waitPercent: number; peakRssMb: number } {
    clearInterval(this.timer);
    this.sample();
    const seconds = (performance.now() - this.startAt) / 1000;
    return {
      cpuPercent: round((100 * (this.cpu() - this.startCpu)) / seconds),
      waitPercent: round((100 * (this.wait() - this.startWait)) / seconds),
      peakRssMb: round(this.peakRss),
    };
  }
}

/** The whole machine's CPU time so far (all cores), from the first line of /proc/stat, in seconds. */
function machineSeconds(): { busy: number; steal: number } {
  try {
    // user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy: busy / TICKS_PER_SECOND, steal: (steal ?? 0) / TICKS_PER_SECOND };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

/**
 * The machine's busy CPU time over a window (as % of one core, like ProcessSampler's), and the
 * time the hypervisor ran something else on our virtual CPUs (steal): a benchmark on a machine
 * that is not otherwise idle, or not given its CPUs, says so.
 */
export class MachineSampler {
  private readonly start = machineSeconds();
  private readonly startAt = performance.now();

  finish(): { cpuPercent: number; stealPercent: number } {
    const end = machineSeconds();
    const seconds = (performance.now() - this.startAt) / 1000;
    return { cpuPercent: round((100 * (end.busy - this.start.busy)) / seconds), stealPercent: round((100 * (end.steal - this.start.steal)) / seconds) };
  }
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
