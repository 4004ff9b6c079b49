/**
 * What a killed agent left running: the processes of a run it never closed. They are known
 * again by the same boot and the same process start time (a reused pid is never touched), asked
 * to stop, and killed after a grace. Without /proc they cannot be known for sure.
 */
import { bootId, groupRemnants, isSameProcess, outsideGroup, type ProcessIdentity, signalEach, signalGroup, survivors } from './process-tree';
import type { OpenRun } from './task-store';

export type Leftover =
  /** Its leader's pid exists, but without /proc nothing says it is still the task's. */
  | { kind: 'unverified' }
  | { kind: 'stopped'; processes: number };

export async function stopLeftover(open: OpenRun, options: { procRoot: string; graceMs: number; now: () => number }): Promise<Leftover> {
  const { procRoot, now } = options;
  if (open.pid !== null && open.boot === null && bootId(procRoot) === null && isSameProcess({ pid: open.pid, starttime: null }, procRoot)) return { kind: 'unverified' };
  let targets: ProcessIdentity[] = [];
  let group: number | null = null;
  if (open.pid !== null && open.boot !== null && open.boot === bootId(procRoot) && open.procStart !== null) {
    const leader = { pid: open.pid, starttime: open.procStart };
    if (isSameProcess(leader, procRoot)) {
      group = open.pid;
      targets = [leader, ...outsideGroup(open.pid)];
    } else {
      targets = groupRemnants(open.pid, open.procStart);
    }
  }
  if (targets.length === 0) return { kind: 'stopped', processes: 0 };
  if (group !== null) signalGroup(group, 'SIGTERM');
  signalEach(targets.filter((t) => t.pid !== group), 'SIGTERM', procRoot);
  const gone = async (until: number) => {
    while (survivors(targets, procRoot).length > 0 && now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  await gone(now() + options.graceMs);
  if (group !== null) signalGroup(group, 'SIGKILL');
  signalEach(survivors(targets, procRoot), 'SIGKILL', procRoot);
  await gone(now() + 1000);
  return { kind: 'stopped', processes: targets.length };
}
