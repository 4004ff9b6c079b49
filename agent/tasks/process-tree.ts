/**
 * A task's processes: its process group (every task is a group leader) and descendants that
 * left the group. Signals go to the group first; a process is killed by pid only while its start
 * time is still the one seen, so a pid the system gave to somebody else since is never touched.
 */
import { readFileSync } from 'node:fs';
import { parsePidStat } from '../system/proc-parsers';
import { descendantsOf, type ProcessEntry, processTable } from '../system/system-sampler';

export interface ProcessIdentity {
  pid: number;
  /** Clock ticks after boot (Linux); null where the OS does not say. */
  starttime: number | null;
}

/** This boot of the machine: processes of another boot are long gone. Null off Linux. */
export function bootId(procRoot = '/proc'): string | null {
  try {
    return readFileSync(`${procRoot}/sys/kernel/random/boot_id`, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The start time of process `pid`, or null when it is gone, a zombie, or the OS has no /proc. */
export function startTimeOf(pid: number, procRoot = '/proc'): number | null {
  try {
    const stat = parsePidStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    return stat === null || stat.state === 'Z' ? null : stat.starttime;
  } catch {
    return null;
  }
}

/** Whether `pid` is still the process that started at `starttime` (without /proc: whether it exists). */
export function isSameProcess(identity: ProcessIdentity, procRoot = '/proc'): boolean {
  if (identity.starttime === null) return exists(identity.pid);
  return startTimeOf(identity.pid, procRoot) === identity.starttime;
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Descendants of `leader` that left its process group (a `setsid` daemon): a signal to the
 * group misses them, so they are signalled one by one. Empty without /proc.
 */
export function outsideGroup(leader: number, table: readonly ProcessEntry[] = processTable()): ProcessIdentity[] {
  const byPid = new Map(table.map((entry) => [entry.pid, entry]));
  return descendantsOf(table, leader)
    .map((pid) => byPid.get(pid)!)
    .filter((entry) => entry.pgid !== leader)
    .map((entry) => ({ pid: entry.pid, starttime: entry.starttime }));
}

/**
 * Members of the group `pgid` left behind by a leader that started at `leaderStart`: only when
 * the leader's pid is free or still the leader (a reused pid may lead somebody else's group),
 * and only processes started after the leader.
 */
export function groupRemnants(pgid: number, leaderStart: number, table: readonly ProcessEntry[] = processTable()): ProcessIdentity[] {
  const holder = table.find((entry) => entry.pid === pgid);
  if (holder && holder.starttime !== leaderStart) return [];
  return table.filter((entry) => entry.pgid === pgid && entry.starttime >= leaderStart).map((entry) => ({ pid: entry.pid, starttime: entry.starttime }));
}

/** Sends `signal` to a process group; false when no process is left in it. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to a task's group, or to its leader alone where groups cannot be signalled
 * (Windows, where any signal ends the process at once).
 */
export function signalTask(leader: number, signal: NodeJS.Signals): boolean {
  if (signalGroup(leader, signal)) return true;
  try {
    process.kill(leader, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to each process still the one identified; returns how many were signalled. */
export function signalEach(processes: readonly ProcessIdentity[], signal: NodeJS.Signals, procRoot = '/proc'): number {
  let signalled = 0;
  for (const identity of processes) {
    if (!isSameProcess(identity, procRoot)) continue;
    try {
      process.kill(identity.pid, signal);
      signalled++;
    } catch {
      // it ended meanwhile
    }
  }
  return signalled;
}

/** The processes of `processes` still alive. */
export function survivors(processes: readonly ProcessIdentity[], procRoot = '/proc'): ProcessIdentity[] {
  return processes.filter((identity) => isSameProcess(identity, procRoot));
}
