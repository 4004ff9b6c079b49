/**
 * What the hub bench measures besides latency: the machine's processes (to find each agent's
 * tree and what else was busy), CPU and run-queue time per process group, percentiles, and the
 * stop of every process the bench started.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { sleep } from './bench-processes';
import { cpuSeconds, round, runQueueSeconds } from './proc-stats';

export interface Proc {
  pid: number;
  ppid: number;
  started: number;
  /** utime + stime, seconds. */
  cpu: number;
}

export const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function procTable(): Map<number, Proc> {
  const table = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = (i: number) => Number(fields[i]) / TICKS_PER_SECOND;
      table.set(Number(entry), { pid: Number(entry), ppid: Number(fields[1]), started: Number(fields[19]), cpu: ticks(11) + ticks(12) });
    } catch {
      // it ended while we looked
    }
  }
  return table;
}

/** `pid` and every process below it. */
export function tree(table: Map<number, Proc>, pid: number): Proc[] {
  const out: Proc[] = [];
  const self = table.get(pid);
  if (self) out.push(self);
  for (const proc of table.values()) if (proc.ppid === pid) out.push(...tree(table, proc.pid));
  return out;
}

/** A process's command line, shortened, for a report. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 100);
  } catch {
    return `pid ${pid} (ended)`;
  }
}

export function stillRunning(proc: Proc): boolean {
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) === proc.started;
  } catch {
    return false;
  }
}

export function percentiles(ms: readonly number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return {
    count: sorted.length,
    p50Ms: round(rank(0.5), 2),
    p95Ms: round(rank(0.95), 2),
    p99Ms: round(rank(0.99), 2),
    maxMs: round(sorted.at(-1)!, 2),
    minMs: round(sorted[0]!, 2),
    meanMs: round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length, 2),
  };
}

/** CPU time so far of the hub process and of the members' agent processes together, the hub's run-queue waiting, and this client's CPU. */
export class Meter {
  constructor(
    private readonly hubPid: number,
    private readonly memberPids: readonly number[],
  ) {}

  read() {
    const client = process.cpuUsage();
    return {
      at: performance.now(),
      hubCpu: cpuSeconds(this.hubPid),
      hubWait: runQueueSeconds(this.hubPid),
      membersCpu: this.memberPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      clientCpu: (client.user + client.system) / 1e6,
    };
  }
}
export type Reading = ReturnType<Meter['read']>;
export type Usage = Omit<Reading, 'at'> & { seconds: number };

export function usage(before: Reading, after: Reading): Usage {
  return {
    seconds: (after.at - before.at) / 1000,
    hubCpu: after.hubCpu - before.hubCpu,
    hubWait: after.hubWait - before.hubWait,
    membersCpu: after.membersCpu - before.membersCpu,
    clientCpu: after.clientCpu - before.clientCpu,
  };
}

export const addUsage = (a: Usage, b: Usage): Usage => ({
  seconds: a.seconds + b.seconds,
  hubCpu: a.hubCpu + b.hubCpu,
  hubWait: a.hubWait + b.hubWait,
  membersCpu: a.membersCpu + b.membersCpu,
  clientCpu: a.clientCpu + b.clientCpu,
});

/** Busy CPU time of the whole machine (all cores), from the first line of /proc/stat, in seconds. */
export function machineBusySeconds(): number {
  try {
    // user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq!) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Where the whole machine's CPU went over a phase, from two looks at every process: the fleet
 * (the agents and their workers and markets), this client, kernel threads (among them loopback
 * networking done outside the processes), and other processes (anyone else's work on the
 * machine). What no process running at the end accounts for (processes that ended meanwhile,
 * interrupts) is `unattributed`; with other processes, it is the load from outside the bench.
 */
export class MachineView {
  private readonly at = performance.now();
  private readonly busy = machineBusySeconds();
  private readonly table = procTable();

  constructor(private readonly fleetRoots: readonly number[]) {}

  finish() {
    const table = procTable();
    const seconds = (performance.now() - this.at) / 1000;
    const fleet = new Set(this.fleetRoots.flatMap((pid) => tree(table, pid).map((proc) => proc.pid)));
    const spent = { fleet: 0, client: 0, kernelThreads: 0, otherProcesses: 0 };
    const others: Array<{ pid: number; cpu: number }> = [];
    for (const proc of table.values()) {
      const before = this.table.get(proc.pid);
      const same = before !== undefined && before.started === proc.started;
      const cpu = proc.cpu - (same ? before.cpu : 0);
      if (fleet.has(proc.pid)) spent.fleet += cpu;
      else if (proc.pid === process.pid) spent.client += cpu;
      else if (proc.pid === 2 || proc.ppid === 2) spent.kernelThreads += cpu;
      else {
        spent.otherProcesses += cpu;
        others.push({ pid: proc.pid, cpu });
      }
    }
    const machine = machineBusySeconds() - this.busy;
    const percent = (cpu: number) => round((100 * Math.max(0, cpu)) / seconds, 1);
    /** Whose work it was, when others were busy: the command lines of the busiest. */
    const busiestOthers = others
      .filter((other) => percent(other.cpu) >= 5)
      .sort((a, b) => b.cpu - a.cpu)
      .slice(0, 3)
      .map((other) => ({ percent: percent(other.cpu), command: commandLine(other.pid) }));
    return {
      seconds: round(seconds, 1),
      machinePercent: percent(machine),
      fleetPercent: percent(spent.fleet),
      clientPercent: percent(spent.client),
      kernelThreadsPercent: percent(spent.kernelThreads),
      otherProcessesPercent: percent(spent.otherProcesses),
      unattributedPercent: percent(machine - spent.fleet - spent.client - spent.kernelThreads - spent.otherProcesses),
      /** otherProcesses + unattributed: what did not come from the bench. */
      outsidePercent: percent(machine - spent.fleet - spent.client - spent.kernelThreads),
      ...(busiestOthers.length > 0 ? { busiestOthers } : {}),
    };
  }
}

/** SIGTERM to every agent (they stop their own workers and markets), SIGKILL after 20 s; then any process of theirs left. */
export async function stopAll(spawned: readonly ChildProcess[], known: readonly Proc[]): Promise<number> {
  const running = spawned.filter((child) => child.exitCode === null && child.signalCode === null);
  const exits = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), sleep(20_000)]);
  let killed = 0;
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      killed++;
    }
  }
  await sleep(500);
  for (const proc of known) {
    if (!stillRunning(proc)) continue;
    try {
      process.kill(proc.pid, 'SIGKILL');
      killed++;
    } catch {
      // gone already
    }
  }
  return killed;
}
