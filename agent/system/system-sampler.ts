/**
 * The agent's machine and process statistics, sampled once a second for the dashboard: CPU,
 * memory, load, disk, network and the agent's own use (`sample()`), and the CPU and memory of
 * each algo's process tree (`processTrees()`). On Linux it reads /proc and the agent's cgroup v2
 * files directly (a few small reads, no shell, no child process), so a container's CPU and memory
 * limits are what the figures are a share of; elsewhere it falls back to node:os.
 *
 * Rates (CPU %, network bytes a second) are deltas since the previous call. On the first call the
 * machine's CPU figures are the average since boot, the agent's since it started, the container's
 * CPU and the network rates 0, and each process tree's CPU 0.
 */
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import type { CpuStats, DiskStats, MemoryStats, NetworkStats, ProcessTreeUsage, SystemSample } from '../../shared/system';
import type { CpuTicks, NetTotals, PidStat, ProcStat } from './proc-parsers';
import {
  parseCgroupBytes, parseCpuMax, parseCpuStatUsage, parseLoadavg, parseMeminfo,
  parseNetDev, parsePidStat, parseProcStat, parseSelfCgroup, parseUptime,
} from './proc-parsers';

export interface SystemSamplerOptions {
  procRoot?: string;
  cgroupRoot?: string;
  /** A path on the file system whose use `disk` reports (the agent's data folder). */
  diskPath: string;
  /** The agent's version, reported as is. */
  version: string;
  /** Clock in ms (default Date.now); tests pass a fake one. */
  now?: () => number;
  /** Bytes a page, for the rss of /proc/[pid]/stat (default 4096). */
  pageSize?: number;
  /** Clock ticks a second of /proc/[pid]/stat times (default 100, Linux's USER_HZ). */
  ticksPerSecond?: number;
}

/** One process of the table: enough to find a process's descendants and a group's members. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  starttime: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** Two decimals are all a dashboard shows, and keep the once-a-second message short. */
const round = (value: number): number => Math.round(value * 100) / 100;
const percentOf = (part: number, whole: number): number => (whole > 0 ? round(Math.min(100, Math.max(0, (part / whole) * 100))) : 0);

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function isPid(name: string): boolean {
  return name.length > 0 && /^\d+$/.test(name);
}

/** /proc/[pid]/stat of every process, in one pass; processes that end meanwhile are skipped. */
function readPidStats(procRoot: string): PidStat[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const stats: PidStat[] = [];
  for (const name of names) {
    if (!isPid(name)) continue;
    const text = read(`${procRoot}/${name}/stat`);
    const stat = text === null ? null : parsePidStat(text);
    if (stat !== null) stats.push(stat);
  }
  return stats;
}

/** Every process with its parent, process group and start time (clock ticks after boot). */
export function processTable(procRoot = '/proc'): ProcessEntry[] {
  return readPidStats(procRoot).map((s) => ({ pid: s.pid, ppid: s.ppid, pgid: s.pgrp, starttime: s.starttime }));
}

function childrenOf(table: ReadonlyArray<{ pid: number; ppid: number }>): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of table) {
    const siblings = children.get(ppid);
    if (siblings === undefined) children.set(ppid, [pid]);
    else siblings.push(pid);
  }
  return children;
}

/** The seeds and all their descendants; the set also guards against a torn table's ppid loops. */
function withDescendants(children: Map<number, number[]>, seeds: Iterable<number>): Set<number> {
  const found = new Set<number>(seeds);
  const queue = [...found];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]!) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return found;
}

/** The pids of `pid`'s children, their children and so on (not `pid` itself), nearest first. */
export function descendantsOf(table: ReadonlyArray<{ pid: number; ppid: number }>, pid: number): number[] {
  const found = withDescendants(childrenOf(table), [pid]);
  found.delete(pid);
  return [...found];
}

/** The agent's cgroup and its ancestors up to the root, nearest first: a limit may be set on any. */
function cgroupChain(procRoot: string, cgroupRoot: string): string[] {
  const root = resolve(cgroupRoot);
  const path = parseSelfCgroup(read(`${procRoot}/self/cgroup`) ?? '');
  let leaf = path === null ? root : resolve(root, `.${path}`);
  if ((leaf !== root && !leaf.startsWith(root + sep)) || !existsSync(leaf)) leaf = root;
  const chain = [leaf];
  for (let dir = leaf; dir !== root; ) chain.push((dir = dirname(dir)));
  return chain;
}

interface CgroupLimits {
  /** Cores the quota allows, and the cgroup whose cpu.stat is measured against it. */
  cpu: { cores: number; dir: string } | null;
  memory: { limitBytes: number; currentBytes: number } | null;
}

interface Previous {
  at: number;
  stat: ProcStat;
  net: NetTotals | null;
  cgroupCpu: { dir: string; usageUs: number } | null;
  agentCpu: NodeJS.CpuUsage;
}

interface TreeState {
  at: number;
  /** Each member's utime + stime, with its start time so a reused pid is not taken for it. */
  ticks: Map<number, { starttime: number; ticks: number }>;
}

export class SystemSampler {
  private readonly procRoot: string;
  private readonly cgroups: string[];
  private readonly diskPath: string;
  private readonly version: string;
  private readonly now: () => number;
  private readonly pageSize: number;
  private readonly ticksPerSecond: number;
  private previous: Previous | null = null;
  private readonly trees = new Map<number, TreeState>();

  constructor(options: SystemSamplerOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.cgroups = cgroupChain(this.procRoot, options.cgroupRoot ?? '/sys/fs/cgroup');
    this.diskPath = options.diskPath;
    this.version = options.version;
    this.now = options.now ?? Date.now;
    this.pageSize = options.pageSize ?? 4096;
    this.ticksPerSecond = options.ticksPerSecond ?? 100;
  }

  sample(): SystemSample {
    const at = this.now();
    const previous = this.previous;
    const seconds = previous === null ? 0 : (at - previous.at) / 1000;
    const procText = read(`${this.procRoot}/stat`);
    const stat = procText === null ? null : parseProcStat(procText);
    const linux = stat !== null;
    const limits = linux ? this.cgroupLimits() : { cpu: null, memory: null };
    const cgroupUsageUs = limits.cpu === null ? null : parseCpuStatUsage(read(`${limits.cpu.dir}/cpu.stat`) ?? '');
    const cgroupCpu = limits.cpu !== null && cgroupUsageUs !== null ? { dir: limits.cpu.dir, usageUs: cgroupUsageUs } : null;
    const net = linux ? parseNetDev(read(`${this.procRoot}/net/dev`) ?? '') : null;
    const agentCpu = process.cpuUsage();

    const cpuTimes = stat ?? osProcStat();
    const cpu = this.cpuStats(cpuTimes, previous, limits, cgroupCpu, seconds);
    const agentUsedUs = agentCpu.user + agentCpu.system - (previous === null ? 0 : previous.agentCpu.user + previous.agentCpu.system);
    const agentSeconds = previous === null ? process.uptime() : seconds;
    this.previous = { at, stat: cpuTimes, net, cgroupCpu, agentCpu };
    return {
      at: new Date(at).toISOString(),
      hostname: os.hostname(),
      platform: os.platform(),
      cpu,
      memory: this.memoryStats(linux, limits),
      load: (linux ? parseLoadavg(read(`${this.procRoot}/loadavg`) ?? '') : null) ?? (os.loadavg() as [number, number, number]),
      disk: this.diskStats(),
      network: networkRates(net, previous?.net ?? null, seconds),
      uptimeSeconds: round((linux ? parseUptime(read(`${this.procRoot}/uptime`) ?? '') : null) ?? os.uptime()),
      agent: {
        version: this.version,
        pid: process.pid,
        uptimeSeconds: round(process.uptime()),
        rssMb: round(process.memoryUsage.rss() / MiB),
        cpuPercent: agentSeconds > 0 ? round(Math.max(0, agentUsedUs / 1e6 / agentSeconds) * 100) : 0,
      },
    };
  }

  /**
   * The CPU % and RSS of each root's process tree: the root, every process in the root's process
   * group (`pgid`, so orphans reparented to init still count), and all their descendants. CPU is
   * over the time since the previous call asking for that root (0 the first time); a process that
   * ended in between is left out, one that started in between counts all its time.
   */
  processTrees(roots: ReadonlyArray<{ pid: number; pgid?: number }>): Map<number, ProcessTreeUsage> {
    const at = this.now();
    const stats = readPidStats(this.procRoot);
    const byPid = new Map<number, PidStat>();
    const groups = new Map<number, number[]>();
    for (const stat of stats) {
      byPid.set(stat.pid, stat);
      const members = groups.get(stat.pgrp);
      if (members === undefined) groups.set(stat.pgrp, [stat.pid]);
      else members.push(stat.pid);
    }
    const children = childrenOf(stats);
    // A root started without its own group shares the agent's: counting that group would count the agent.
    const agentGroup = byPid.get(process.pid)?.pgrp;
    const usage = new Map<number, ProcessTreeUsage>();
    for (const root of roots) {
      const seeds = byPid.has(root.pid) ? [root.pid] : [];
      if (root.pgid !== undefined && root.pgid > 1 && root.pgid !== agentGroup) seeds.push(...(groups.get(root.pgid) ?? []));
      const previous = this.trees.get(root.pid);
      const ticks = new Map<number, { starttime: number; ticks: number }>();
      let used = 0;
      let rssPages = 0;
      const members = withDescendants(children, seeds);
      for (const pid of members) {
        const stat = byPid.get(pid)!;
        const now = stat.utime + stat.stime;
        const before = previous?.ticks.get(pid);
        used += before === undefined || before.starttime !== stat.starttime ? now : Math.max(0, now - before.ticks);
        rssPages += stat.rssPages;
        ticks.set(pid, { starttime: stat.starttime, ticks: now });
      }
      const seconds = previous === undefined ? 0 : (at - previous.at) / 1000;
      this.trees.set(root.pid, { at, ticks });
      usage.set(root.pid, {
        cpuPercent: seconds > 0 ? round((used / this.ticksPerSecond / seconds) * 100) : 0,
        rssMb: round((rssPages * this.pageSize) / MiB),
        processes: members.size,
      });
    }
    for (const pid of this.trees.keys()) if (!usage.has(pid)) this.trees.delete(pid);
    return usage;
  }

  private cpuStats(stat: ProcStat, previous: Previous | null, limits: CgroupLimits, cgroupCpu: Previous['cgroupCpu'], seconds: number): CpuStats {
    const before = previous?.stat ?? null;
    const sameCores = before !== null && before.cores.length === stat.cores.length;
    const perCore = stat.cores.map((core, i) => busyPercent(core, sameCores ? before.cores[i] : undefined));
    const machineCores = stat.cores.length || os.availableParallelism();
    if (limits.cpu === null) return { percent: busyPercent(stat.all, before?.all), perCore, cores: machineCores };
    // A quota above the machine's cores allows no more than the machine has.
    const cores = round(Math.min(limits.cpu.cores, machineCores));
    const last = previous?.cgroupCpu;
    const percent =
      cgroupCpu === null
        ? busyPercent(stat.all, before?.all)
        : last == null || last.dir !== cgroupCpu.dir || seconds <= 0
          ? 0
          : percentOf((cgroupCpu.usageUs - last.usageUs) / 1e6, seconds * cores);
    return { percent, perCore, cores };
  }

  /** The tightest cpu.max and memory.max along the agent's cgroup and its ancestors. */
  private cgroupLimits(): CgroupLimits {
    const limits: CgroupLimits = { cpu: null, memory: null };
    for (const dir of this.cgroups) {
      const cpuMax = parseCpuMax(read(`${dir}/cpu.max`) ?? '');
      if (cpuMax?.quotaUs != null) {
        const cores = cpuMax.quotaUs / cpuMax.periodUs;
        if (limits.cpu === null || cores < limits.cpu.cores) limits.cpu = { cores, dir };
      }
      const memoryMax = parseCgroupBytes(read(`${dir}/memory.max`) ?? '');
      if (typeof memoryMax === 'number' && (limits.memory === null || memoryMax < limits.memory.limitBytes)) {
        const current = parseCgroupBytes(read(`${dir}/memory.current`) ?? '');
        if (typeof current === 'number') limits.memory = { limitBytes: memoryMax, currentBytes: current };
      }
    }
    return limits;
  }

  private memoryStats(linux: boolean, limits: CgroupLimits): MemoryStats {
    const info = linux ? parseMeminfo(read(`${this.procRoot}/meminfo`) ?? '') : null;
    const totalBytes = info === null ? os.totalmem() : info.totalKb * 1024;
    const availableBytes = info === null ? os.freemem() : info.availableKb * 1024;
    // A limit above the machine's memory is no limit: the machine runs out first.
    if (limits.memory !== null && limits.memory.limitBytes < totalBytes) {
      const { limitBytes, currentBytes } = limits.memory;
      const used = Math.min(currentBytes, limitBytes);
      return memory(limitBytes, used, limitBytes - used, true);
    }
    return memory(totalBytes, totalBytes - availableBytes, availableBytes, false);
  }

  private diskStats(): DiskStats | null {
    try {
      const fs = statfsSync(this.diskPath);
      const total = fs.blocks * fs.bsize;
      const used = (fs.blocks - fs.bfree) * fs.bsize;
      const free = fs.bavail * fs.bsize;
      // As df: the share of what an unprivileged user can fill (space reserved for root left out).
      return { path: this.diskPath, totalGb: round(total / GiB), usedGb: round(used / GiB), freeGb: round(free / GiB), percent: percentOf(used, used + free) };
    } catch {
      return null;
    }
  }
}

function busyPercent(now: CpuTicks, before: CpuTicks | undefined): number {
  return percentOf(now.busy - (before?.busy ?? 0), now.total - (before?.total ?? 0));
}

function memory(totalBytes: number, usedBytes: number, availableBytes: number, limited: boolean): MemoryStats {
  return {
    totalMb: round(totalBytes / MiB),
    usedMb: round(usedBytes / MiB),
    availableMb: round(availableBytes / MiB),
    percent: percentOf(usedBytes, totalBytes),
    limited,
  };
}

function networkRates(now: NetTotals | null, before: NetTotals | null, seconds: number): NetworkStats {
  if (now === null || before === null || seconds <= 0) return { rxBytesPerSecond: 0, txBytesPerSecond: 0 };
  // An interface that went away takes its counters with it: a drop reads as no traffic, not negative.
  const rate = (bytes: number) => Math.round(Math.max(0, bytes) / seconds);
  return { rxBytesPerSecond: rate(now.rxBytes - before.rxBytes), txBytesPerSecond: rate(now.txBytes - before.txBytes) };
}

/** The machine's CPU times from node:os where there is no /proc (in ms rather than jiffies; only ratios matter). */
function osProcStat(): ProcStat {
  const cores = os.cpus().map(({ times }) => {
    const busy = times.user + times.nice + times.sys + times.irq;
    return { busy, total: busy + times.idle };
  });
  const all = cores.reduce((sum, core) => ({ busy: sum.busy + core.busy, total: sum.total + core.total }), { busy: 0, total: 0 });
  return { all, cores };
}
