/**
 * Pure parsers of the Linux /proc and cgroup v2 text the system sampler reads every second. They
 * take the file's text and return typed figures, or null when the text is not what the kernel
 * writes: a file read mid-change, an old kernel or a test's garbage must never throw in the
 * agent's sampling loop.
 */

/** Jiffies a CPU (or all of them) spent busy, and in all, since boot. */
export interface CpuTicks {
  busy: number;
  total: number;
}

/** `/proc/stat`: the aggregate `cpu` line and each `cpuN` line, in the file's order. */
export interface ProcStat {
  all: CpuTicks;
  cores: CpuTicks[];
}

export interface MemInfo {
  totalKb: number;
  availableKb: number;
}

export interface NetTotals {
  rxBytes: number;
  txBytes: number;
}

/** The fields of `/proc/[pid]/stat` the agent uses (times in clock ticks, rss in pages). */
export interface PidStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  utime: number;
  stime: number;
  /** Clock ticks after boot when the process started: with the pid, it names one process. */
  starttime: number;
  rssPages: number;
}

/** cgroup v2 `cpu.max`: `quotaUs` null when there is no quota ("max"). */
export interface CpuMax {
  quotaUs: number | null;
  periodUs: number;
}

/** A whole number ≥ 0 written in decimal, or null. */
function count(token: string | undefined): number | null {
  if (token === undefined || !/^\d+$/.test(token)) return null;
  const value = Number(token);
  return Number.isFinite(value) ? value : null;
}

/** A decimal ≥ 0 such as "0.27" or "695.27", or null. */
function decimal(token: string | undefined): number | null {
  if (token === undefined || !/^\d+(\.\d+)?$/.test(token)) return null;
  return Number(token);
}

function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

/**
 * One `cpu…` line's counters: user nice system idle [iowait irq softirq steal]. guest and
 * guest_nice are left out, as the kernel already counts them in user and nice. Idle is idle +
 * iowait; steal counts as busy (the CPU was not ours to use), as psutil and top's us+sy+st do.
 */
function cpuTicks(fields: string[]): CpuTicks | null {
  if (fields.length < 5) return null;
  const values: number[] = [];
  for (const token of fields.slice(1, 9)) {
    const value = count(token);
    if (value === null) return null;
    values.push(value);
  }
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = values[3]! + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export function parseProcStat(text: string): ProcStat | null {
  let all: CpuTicks | null = null;
  const cores: CpuTicks[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const fields = words(line);
    const name = fields[0]!;
    const ticks = cpuTicks(fields);
    if (ticks === null) continue;
    if (name === 'cpu') all = ticks;
    else if (/^cpu\d+$/.test(name)) cores.push(ticks);
  }
  return all === null ? null : { all, cores };
}

/**
 * `/proc/meminfo`: MemTotal and MemAvailable. Kernels before 3.14 have no MemAvailable: then
 * free + buffers + cached, the figure it replaced.
 */
export function parseMeminfo(text: string): MemInfo | null {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const value = count(words(line.slice(colon + 1))[0]);
    if (value !== null) kb.set(line.slice(0, colon), value);
  }
  const totalKb = kb.get('MemTotal');
  if (totalKb === undefined || totalKb === 0) return null;
  let availableKb = kb.get('MemAvailable');
  if (availableKb === undefined) {
    const free = kb.get('MemFree');
    if (free === undefined) return null;
    availableKb = free + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  }
  return { totalKb, availableKb: Math.min(availableKb, totalKb) };
}

/** `/proc/loadavg`: the 1, 5 and 15-minute load averages. */
export function parseLoadavg(text: string): [number, number, number] | null {
  const [one, five, fifteen] = words(text).map(decimal);
  if (one == null || five == null || fifteen == null) return null;
  return [one, five, fifteen];
}

/** `/proc/net/dev`: bytes received and sent over every interface but loopback. */
export function parseNetDev(text: string): NetTotals | null {
  let rxBytes = 0;
  let txBytes = 0;
  let interfaces = 0;
  for (const line of text.split('\n')) {
    // "  eth0: 9046541 355 …": a large counter may touch the colon, so split there, not on spaces.
    const colon = line.lastIndexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const fields = words(line.slice(colon + 1));
    const rx = count(fields[0]);
    const tx = count(fields[8]);
    if (name === '' || rx === null || tx === null) continue;
    interfaces++;
    if (name === 'lo') continue;
    rxBytes += rx;
    txBytes += tx;
  }
  return interfaces === 0 ? null : { rxBytes, txBytes };
}

/** `/proc/uptime`: seconds since boot. */
export function parseUptime(text: string): number | null {
  return decimal(words(text)[0]);
}

/**
 * `/proc/[pid]/stat`. The command name sits in parentheses and may itself hold spaces and
 * parentheses ("a) (b"), so it runs to the last ')'; the fields after it are plain numbers.
 */
export function parsePidStat(text: string): PidStat | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return null;
  const pid = count(text.slice(0, open));
  // After ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
  // stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss …
  const rest = text.slice(close + 1).trim().split(' ');
  if (pid === null || rest.length < 22) return null;
  const state = rest[0]!;
  const ppid = count(rest[1]);
  const pgrp = count(rest[2]);
  const utime = count(rest[11]);
  const stime = count(rest[12]);
  const starttime = count(rest[19]);
  // rss is signed in the kernel's format; a negative one (never seen in practice) reads as 0.
  const rssPages = /^-\d+$/.test(rest[21]!) ? 0 : count(rest[21]);
  if (state.length !== 1 || ppid === null || pgrp === null || utime === null || stime === null || starttime === null || rssPages === null) {
    return null;
  }
  return { pid, comm: text.slice(open + 2, close), state, ppid, pgrp, utime, stime, starttime, rssPages };
}

/** cgroup v2 `cpu.max`: "max 100000" (no quota) or "200000 100000" (two cores' worth). */
export function parseCpuMax(text: string): CpuMax | null {
  const [quota, period, extra] = words(text);
  const periodUs = count(period);
  if (extra !== undefined || periodUs === null || periodUs === 0) return null;
  if (quota === 'max') return { quotaUs: null, periodUs };
  const quotaUs = count(quota);
  return quotaUs === null || quotaUs === 0 ? null : { quotaUs, periodUs };
}

/** cgroup v2 `memory.max` or `memory.current`: bytes, or 'max' for no limit. */
export function parseCgroupBytes(text: string): number | 'max' | null {
  const [value, extra] = words(text);
  if (extra !== undefined) return null;
  return value === 'max' ? 'max' : count(value);
}

/** cgroup v2 `cpu.stat`: usage_usec, the CPU time the cgroup's processes used, in µs. */
export function parseCpuStatUsage(text: string): number | null {
  for (const line of text.split('\n')) {
    const [key, value] = words(line);
    if (key === 'usage_usec') return count(value);
  }
  return null;
}

/** `/proc/self/cgroup`: the cgroup v2 path of the "0::/path" line, or null (v1 only, garbage). */
export function parseSelfCgroup(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::/')) return line.slice(3).trimEnd();
  }
  return null;
}
