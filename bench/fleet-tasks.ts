/**
 * The fleet benchmark's tasks: one tiny Node script that both supervisors run, the pid files it
 * writes, and crash-to-replacement timing read from them, alike for both supervisors.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './bench-processes';
import { round } from './proc-stats';

/**
 * The task: as its first act it takes the wall-clock time (sub-millisecond: the process's time
 * origin plus its monotonic clock, the same clock the benchmark reads), writes its pid and that
 * time to `<dir>/<name>.pid` (atomically: a reader never sees half a file), and then idles with a
 * timer once a second, like an algo waiting for its next bar. CommonJS, so PM2 `require`s it.
 */
const FIXTURE = `'use strict';
const at = performance.timeOrigin + performance.now();
const { renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [dir, name] = process.argv.slice(2);
const file = join(dir, name + '.pid');
writeFileSync(file + '.' + process.pid, process.pid + ' ' + at);
renameSync(file + '.' + process.pid, file);
setInterval(() => {}, 1000);
`;

/** Writes the task's script into `folder`; returns its path. */
export function writeFixture(folder: string): string {
  const script = join(folder, 'fleet-fixture-task.cjs');
  writeFileSync(script, FIXTURE);
  return script;
}

/** How often a pid file is read while waiting: the timing comes from the file, not from the poll. */
const POLL_MS = 5;

/** One supervisor's tasks, seen only through the pid files they write. */
export class PidFiles {
  /** Every pid a task wrote, so that none can be left behind. */
  readonly seen = new Set<number>();

  constructor(
    readonly label: string,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The pid and start time the task `name` wrote last, or null before its first start. */
  read(name: string): { pid: number; at: number } | null {
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${name}.pid`), 'utf8');
    } catch {
      return null;
    }
    const [pid, at] = text.split(' ').map(Number);
    if (!pid || !at) return null;
    this.seen.add(pid);
    return { pid, at };
  }

  /** Waits until every task named has written its pid file. */
  async waitAll(names: readonly string[], timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const missing = names.filter((name) => this.read(name) === null);
      if (missing.length === 0) return;
      if (performance.now() > deadline) throw new Error(`${this.label}: ${missing.length} of ${names.length} tasks never started (${missing.slice(0, 3).join(', ')}…)`);
      await sleep(50);
    }
  }

  /**
   * Kills the process of task `name` with SIGKILL and waits for its replacement to write its pid
   * file; returns the milliseconds from the kill to the moment the replacement's code began.
   */
  async crash(name: string): Promise<number> {
    const before = this.read(name);
    if (before === null) throw new Error(`${this.label}: task ${name} has no pid file`);
    const killedAt = performance.timeOrigin + performance.now();
    process.kill(before.pid, 'SIGKILL');
    return (await this.replaced(name, before.pid, killedAt, 'replaced within 15 s of SIGKILL')) - killedAt;
  }

  /**
   * Starts the script straight from this process, no supervisor in between, and returns the
   * milliseconds from the spawn to the moment its code began: Node's own start, the floor of any
   * restart. The process is killed before this returns.
   */
  async spawnBare(script: string, name: string): Promise<number> {
    const before = this.read(name)?.pid ?? 0;
    const startedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, [script, this.dir, name], { stdio: 'ignore' });
    try {
      return (await this.replaced(name, before, startedAt, 'started within 15 s')) - startedAt;
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
  }

  /** Waits until task `name` wrote a pid other than `pid`, after `since`; returns when its code began. */
  private async replaced(name: string, pid: number, since: number, what: string, timeoutMs = 15_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await sleep(POLL_MS);
      const after = this.read(name);
      if (after !== null && after.pid !== pid && after.at > since) return after.at;
      if (performance.now() > deadline) throw new Error(`${this.label}: task ${name} was not ${what}`);
    }
  }
}

/** Kills every process a task wrote to a pid file that still runs the fixture (a supervisor that failed to stop its tasks). */
export function killLeftovers(script: string, fleets: readonly PidFiles[]): number {
  let killed = 0;
  for (const pid of fleets.flatMap((fleet) => [...fleet.seen])) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script)) continue;
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // gone already
    }
  }
  return killed;
}

/** p50, p95 and max (nearest rank) of a set of latencies in ms, and the smallest. */
export function latency(ms: readonly number[]): { p50Ms: number; p95Ms: number; maxMs: number; minMs: number; count: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50Ms: round(rank(0.5), 1), p95Ms: round(rank(0.95), 1), maxMs: round(sorted.at(-1)!, 1), minMs: round(sorted[0]!, 1), count: sorted.length };
}
