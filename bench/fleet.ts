/**
 * `npm run bench -- fleet`: our task supervisor beside PM2 in one run, on the same tasks (a tiny
 * Node script that writes its pid file and idles; see fleet-tasks.ts):
 * - crash to replacement: each of BENCH_FLEET_TASKS (20) tasks of each supervisor is killed with
 *   SIGKILL, one at a time, the two supervisors in turn, and timed from the kill to the moment
 *   the replacement's code began (the time it writes into its new pid file: the same detection
 *   for both). Two rounds: each task's first crash, then its second;
 * - memory: RSS of our agent process and of PM2's God Daemon, before the tasks and with them;
 * - CPU of supervising: BENCH_FLEET_CPU_TASKS (50) idle tasks under one agent and none under a
 *   second, identical agent, over the same BENCH_FLEET_CPU_SECONDS (20) s; the difference is
 *   the cost of supervising those tasks and sampling their process trees once a second.
 *
 * The agents run in their own processes (bench/agent-process.ts, with the flags `npm start` gives
 * them), so their CPU and RSS are read from /proc/<pid>; their ticker worker and simulated
 * market are separate processes and are not counted. Ratios are ours over PM2's: below 1, ours is
 * faster or smaller. No target is asserted: on a 2-core machine the figures are noisy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskInfo } from '../shared/task';
import { api, type BenchAgent, children, knob, sleep, startAgent, stopAgent } from './bench-processes';
import { runFleetHubBench } from './fleet-hub';
import { startPm2, type Pm2Fleet } from './fleet-pm2';
import { killLeftovers, latency, PidFiles, writeFixture } from './fleet-tasks';
import { cpuSeconds, round, rssMb } from './proc-stats';
import { median, spreadOf } from './spread';

const log = (text: string) => process.stderr.write(`[fleet] ${text}\n`);

/**
 * Our restart policy restarts the first death within `windowSeconds` at once and delays the next
 * ones (initialDelayMs, doubling up to maxDelayMs); PM2 with restart_delay 0 restarts every death
 * at once. So the fair comparison is each task's FIRST crash (round 1: both restart at once). The
 * window is long and maxRestarts high so that no death falls out of the window or errors the
 * task; round 2 (each task's second crash, within the window) shows our backoff at its floor,
 * initialDelayMs = 100 ms (the least the API accepts), against PM2's immediate restart.
 */
const RESTART = { policy: 'always', maxRestarts: 1000, windowSeconds: 3600, initialDelayMs: 100, maxDelayMs: 100 } as const;
const NOTE =
  'crash to replacement: SIGKILL to the moment the replacement script wrote its pid file (its own clock reading). Round 1 is each task\'s first crash: ' +
  'both supervisors restart at once (ours: the first death in its window; PM2: restart_delay 0), the fair comparison. Round 2 is each task\'s second crash ' +
  'within our window: ours waits initialDelayMs (100 ms, the minimum) by policy, PM2 does not. PM2 runs each task inside its process container (loads ' +
  'pm2-io-bpm first), ours runs `node script` directly; each as shipped. Our agent also runs a ticker (1 worker, no subscriptions) and a simulated market ' +
  'in separate processes, not counted; the agent runs with --max-semi-space-size=2 as `npm start` does, the PM2 daemon with Node defaults. Ratios are ours/PM2.';
/** After a replacement is seen, before the next kill: each supervisor's bookkeeping of the restart is over. */
const GAP_MS = 250;

/** RSS (median of samples every 250 ms) and CPU (% of one core) of each process over `seconds`. */
async function observe(pids: Record<string, number>, seconds: number): Promise<Record<string, { rssMb: number; cpuPercent: number }>> {
  const names = Object.keys(pids);
  const startCpu = names.map((name) => cpuSeconds(pids[name]!));
  const rss: number[][] = names.map(() => []);
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    names.forEach((name, i) => rss[i]!.push(rssMb(pids[name]!)));
    await sleep(250);
  }
  const elapsed = (performance.now() - started) / 1000;
  return Object.fromEntries(
    names.map((name, i) => [name, { rssMb: round(median(rss[i]!), 1), cpuPercent: round((100 * (cpuSeconds(pids[name]!) - startCpu[i]!)) / elapsed, 2) }]),
  );
}

async function register(agent: BenchAgent, files: PidFiles, script: string, names: readonly string[]): Promise<void> {
  for (const name of names) await api(agent.url, 'POST', '/api/v1/tasks', { name, command: 'node', args: [script, files.dir, name], restart: RESTART, start: true });
}

async function tasksOf(agent: BenchAgent): Promise<TaskInfo[]> {
  return (await api<{ tasks: TaskInfo[] }>(agent.url, 'GET', '/api/v1/tasks')).tasks;
}

/** `BENCH_FLEET_PARTS=supervisor,hub` (the default: both) picks the parts of the fleet bench. */
export async function runFleetBench(): Promise<Record<string, unknown>> {
  const parts = new Set((process.env.BENCH_FLEET_PARTS || 'supervisor,hub').split(',').map((part) => part.trim()));
  const unknown = [...parts].filter((part) => part !== 'supervisor' && part !== 'hub');
  if (unknown.length > 0) throw new Error(`BENCH_FLEET_PARTS: unknown part ${unknown.join(', ')} (have: supervisor, hub)`);
  const result = parts.has('supervisor') ? await runSupervisorPart() : { bench: 'fleet' };
  // The hub part runs once the supervisor part's agents and PM2 are gone, so they do not load the machine.
  if (parts.has('hub')) result.hub = await runFleetHubBench();
  return result;
}

async function runSupervisorPart(): Promise<Record<string, unknown>> {
  const count = knob('BENCH_FLEET_TASKS', 20);
  const cpuCount = Math.max(count, knob('BENCH_FLEET_CPU_TASKS', 50));
  const cpuSecondsTotal = knob('BENCH_FLEET_CPU_SECONDS', 20, 4);
  const root = mkdtempSync(join(tmpdir(), 'algodeck-bench-fleet-'));
  const script = writeFixture(root);
  const ours = new PidFiles('ours', join(root, 'ours'));
  const theirs = new PidFiles('pm2', join(root, 'pm2'));
  const bare = new PidFiles('bare', join(root, 'bare'));
  const names = Array.from({ length: cpuCount }, (_, i) => `fleet-${String(i + 1).padStart(2, '0')}`);
  const crashNames = names.slice(0, count);
  const agents: BenchAgent[] = [];
  let pm2: Pm2Fleet | undefined;
  try {
    // Both agents first: they are forked with the environment as it is before PM2's variables are set.
    log('starting two agents (--workers 1, simulated market): one to run tasks, one to stay without tasks');
    agents.push(await startAgent({ workers: 1 }));
    agents.push(await startAgent({ workers: 1 }));
    const [agent, noTasks] = agents as [BenchAgent, BenchAgent];
    const agentPid = agent.child.pid!;
    const noTasksPid = noTasks.child.pid!;
    log('starting the PM2 daemon (PM2_HOME in a temp folder)');
    pm2 = await startPm2();
    const daemonPid = pm2.daemonPid;

    log('baseline: no tasks yet (5 s)');
    await sleep(2000);
    const before = await observe({ ours: agentPid, pm2: daemonPid }, 5);

    log(`starting ${count} tasks under each supervisor`);
    await register(agent, ours, script, crashNames);
    for (const name of crashNames) await pm2.start(name, script, [theirs.dir, name], root);
    await ours.waitAll(crashNames);
    await theirs.waitAll(crashNames);
    await sleep(3000);
    log(`with ${count} tasks each (10 s)`);
    const withTasks = await observe({ ours: agentPid, pm2: daemonPid, oursWithoutTasks: noTasksPid }, 10);
    log(`memory: ours ${withTasks.ours!.rssMb} MB (${before.ours!.rssMb} MB without tasks), PM2 ${withTasks.pm2!.rssMb} MB (${before.pm2!.rssMb} MB)`);

    const rounds: Array<Record<'ours' | 'pm2' | 'bare', number[]>> = [];
    for (let r = 0; r < 2; r++) {
      // Round 1 also starts the script straight from here (no supervisor): Node's own start, the floor.
      log(`crash round ${r + 1}: SIGKILL to each task in turn, ours and PM2's alternately${r === 0 ? ', and a bare start of the script' : ''}`);
      const samples = { ours: [] as number[], pm2: [] as number[], bare: [] as number[] };
      const turn = r === 0 ? [ours, theirs, bare] : [ours, theirs];
      for (let i = 0; i < crashNames.length; i++) {
        // Who goes first rotates, so a drift on the machine falls on each alike.
        const shift = (i + r) % turn.length;
        for (const files of [...turn.slice(shift), ...turn.slice(0, shift)]) {
          const name = crashNames[i]!;
          samples[files.label as 'ours' | 'pm2' | 'bare'].push(files === bare ? await bare.spawnBare(script, name) : await files.crash(name));
          await sleep(GAP_MS);
        }
      }
      rounds.push(samples);
      log(`round ${r + 1}: p50 ours ${latency(samples.ours).p50Ms} ms, PM2 ${latency(samples.pm2).p50Ms} ms${r === 0 ? `, bare start ${latency(samples.bare).p50Ms} ms` : ''}`);
    }
    await sleep(1000);
    const ourRestarts = (await tasksOf(agent)).map((task) => task.restarts);
    const pm2Restarts = [...(await pm2.restarts()).values()];
    log('stopping PM2 (its tasks are done with)');
    await pm2.close();
    pm2 = undefined;

    log(`CPU: ${cpuCount} tasks under one agent, none under the other (${cpuSecondsTotal} s)`);
    await register(agent, ours, script, names.slice(count));
    await ours.waitAll(names);
    await sleep(5000);
    const windows = 4;
    const cpuWindows: Array<Record<string, { rssMb: number; cpuPercent: number }>> = [];
    for (let w = 0; w < windows; w++) cpuWindows.push(await observe({ withTasks: agentPid, withoutTasks: noTasksPid }, cpuSecondsTotal / windows));
    const running = (await tasksOf(agent)).filter((task) => task.state === 'running');
    const mean = (key: string) => round(cpuWindows.reduce((sum, w) => sum + w[key]!.cpuPercent, 0) / windows, 2);
    const differences = cpuWindows.map((w) => round(w.withTasks!.cpuPercent - w.withoutTasks!.cpuPercent, 2));

    const crash = (samples: Record<'ours' | 'pm2' | 'bare', number[]>) => {
      const o = latency(samples.ours);
      const p = latency(samples.pm2);
      const floor = samples.bare.length > 0 ? latency(samples.bare) : undefined;
      return {
        ours: o,
        pm2: p,
        p50Ratio: round(o.p50Ms / p.p50Ms, 2),
        p95Ratio: round(o.p95Ms / p.p95Ms, 2),
        maxRatio: round(o.maxMs / p.maxMs, 2),
        // The script started by this process itself: what neither supervisor can go below.
        ...(floor ? { bareStart: floor, overBareStartP50Ms: { ours: round(o.p50Ms - floor.p50Ms, 1), pm2: round(p.p50Ms - floor.p50Ms, 1) } } : {}),
      };
    };
    const result: Record<string, unknown> = {
      bench: 'fleet',
      tasks: count,
      note: NOTE,
      restartSpec: RESTART,
      pm2Options: { autorestart: true, restart_delay: 0, exec_mode: 'fork' },
      crashToReplacement: {
        firstCrash: crash(rounds[0]!),
        secondCrash: crash(rounds[1]!),
        restartsCounted: { ours: { min: Math.min(...ourRestarts), max: Math.max(...ourRestarts) }, pm2: { min: Math.min(...pm2Restarts), max: Math.max(...pm2Restarts) } },
      },
      memory: {
        oursRssMb: withTasks.ours!.rssMb,
        pm2RssMb: withTasks.pm2!.rssMb,
        ratio: round(withTasks.ours!.rssMb / withTasks.pm2!.rssMb, 2),
        baselineBeforeTasks: { oursRssMb: before.ours!.rssMb, pm2RssMb: before.pm2!.rssMb },
        /** With the tasks less before them: what the tasks cost each supervisor (GC makes it move by a few MB). */
        addedByTasksMb: { ours: round(withTasks.ours!.rssMb - before.ours!.rssMb, 1), pm2: round(withTasks.pm2!.rssMb - before.pm2!.rssMb, 1) },
        /** An identical agent without tasks, at the same moment. */
        oursWithoutTasksAlongsideRssMb: withTasks.oursWithoutTasks!.rssMb,
        note: 'RSS of the supervisor process alone (median of samples every 250 ms over 10 s): our agent process (API server, SQLite, ticker supervisor, task supervisor; its ticker worker and simulated market are other processes) vs PM2 God Daemon',
      },
      /** CPU of each supervisor process, % of one core: 5 s before the tasks, then 10 s with `tasks` tasks each (one read of /proc is 10 ms of CPU: coarse). */
      idleCpu: {
        beforeTasks: { oursPercent: before.ours!.cpuPercent, pm2Percent: before.pm2!.cpuPercent },
        withTasks: { oursPercent: withTasks.ours!.cpuPercent, pm2Percent: withTasks.pm2!.cpuPercent, oursWithoutTasksAlongsidePercent: withTasks.oursWithoutTasks!.cpuPercent },
      },
      supervisionCpu: {
        tasks: cpuCount,
        running: running.length,
        sampled: running.filter((task) => task.rssMb !== null && task.rssMb > 0).length,
        seconds: cpuSecondsTotal,
        withTasksPercent: mean('withTasks'),
        withoutTasksPercent: mean('withoutTasks'),
        costPercentOfOneCore: round(mean('withTasks') - mean('withoutTasks'), 2),
        perWindow: spreadOf(differences),
        rssMb: { withTasks: cpuWindows.at(-1)!.withTasks!.rssMb, withoutTasks: cpuWindows.at(-1)!.withoutTasks!.rssMb },
        targetPercent: 2,
        note: 'utime+stime of each agent process from /proc/<pid>/stat, two identical agents over the same windows; the difference is supervising the tasks and sampling their process trees at 1 Hz',
      },
      // ── Hub with 20 member agents: command round trip — `hub`, added after this object by runFleetBench (fleet-hub.ts). ──
    };
    log(`supervision CPU: ${mean('withTasks')} % of a core with ${cpuCount} tasks, ${mean('withoutTasks')} % without`);
    return result;
  } finally {
    if (pm2) await pm2.close().catch((error: unknown) => log(`stopping PM2 failed: ${(error as Error).message}`));
    await Promise.all(agents.map((agent) => stopAgent(agent)));
    for (const child of children) child.kill('SIGKILL');
    const left = killLeftovers(script, [ours, theirs, bare]);
    if (left > 0) log(`killed ${left} task processes left behind`);
    rmSync(root, { recursive: true, force: true });
  }
}
