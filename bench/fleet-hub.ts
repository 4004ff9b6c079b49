/**
 * `npm run bench -- fleet`, its hub part (`BENCH_FLEET_PARTS=hub` runs it alone): a hub with
 * BENCH_FLEET_MEMBERS (20) member agents on loopback, each agent its own `cli.mjs` process as a
 * user starts it (`--hub`, or `--join ws://127.0.0.1:PORT --name m<k>`; `--port 0 --workers 1
 * --no-open`), and the round trip of a command through the hub:
 * - `hubRead`: `GET /api/v1/agents/m<k>/tasks` on the hub (round-robin over the members), which the
 *   hub runs on member k over its WebSocket link (`GET /api/v1/tasks` there);
 * - `directRead`: the same `GET /api/v1/tasks` on member k's own port, with its own token: the hub's
 *   added cost is the difference;
 * - `hubCommand` / `directCommand`: `POST …/tasks/start-all` with `{}` (a command that changes nothing
 *   on an agent without tasks), so the cost of a write (the audit log: the hub's and the member's)
 *   shows beside the reads.
 * Each is timed one call at a time (BENCH_FLEET_CALLS, 2000, after 200 of warm-up) and with
 * BENCH_FLEET_CONCURRENCY (8) calls in flight, in blocks that take turns, so load from elsewhere
 * falls on each alike. The client is this process: node:http with keep-alive connections.
 *
 * All agents run on this machine, so the members' own load shares the CPUs with the hub: on two
 * cores that is the noise floor. A member has a ticker worker process (--workers 1 is the least)
 * but, by default, no simulated market: it runs `--provider kite` and never logs in, so no market
 * process starts and its worker waits (BENCH_FLEET_MEMBER_MARKET=sim gives each member the
 * simulated market, as `npm start` does: 63 processes in all rather than 43). The hub always has
 * it. Where the machine's CPU went is reported too, other processes' included: a figure taken
 * while someone else was busy on the machine says so. The target (p99 ≤ 50 ms through the hub,
 * one call at a time) is reported, never asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS } from '../agent/process/node-flags';
import { FROM_SOURCE, knob, sleep, timedCall as call, TOKEN } from './bench-processes';
import { round, rssMb } from './proc-stats';
import { stopAll, type Proc, procTable, tree, percentiles, Meter, type Usage, usage, addUsage, MachineView } from './fleet-hub-meter';

const log = (text: string) => process.stderr.write(`[fleet-hub] ${text}\n`);

const JOIN_TOKEN = 'bench-join-token-0123456789abcdef';
const TARGET_P99_MS = 50;
/** CPU from outside the bench (% of one core) above which the figures are said to carry it. */
const OTHER_LOAD_WARN = 10;
const IDLE_SECONDS = 5;
/** Members started at once: each start forks a ticker worker (and a simulated market), CPU-heavy for a second or two. */
const START_BATCH = 4;
const ONLINE_TIMEOUT_MS = 120_000;
const WARM_UP = 200;
/** Calls of one kind in a row before the next kind takes its turn. */
const SEQUENTIAL_BLOCK = 100;
const CONCURRENT_BLOCK = 400;
/** The agent as `npm run agent` runs it, from the built tree (or its source under tsx). */
const CLI = fileURLToPath(new URL(FROM_SOURCE ? '../agent/cli.ts' : '../agent/cli.mjs', import.meta.url));

const KINDS = ['hubRead', 'directRead', 'hubCommand', 'directCommand'] as const;
type Kind = (typeof KINDS)[number];

interface CliAgent {
  name: string;
  child: ChildProcess;
  dataDir: string;
  url: string;
  token: string;
  /** The last lines it printed, for an error message. */
  output: string[];
}

/** A process seen in /proc: its pid and start time (so a reused pid is never taken for it), and its CPU so far. */

/** Starts `cli.mjs` with `args`; resolves once it printed the address it listens on. */
async function startCli(name: string, dataDir: string, args: string[], env: Record<string, string | undefined>, spawned: ChildProcess[]): Promise<CliAgent> {
  const child = spawn(process.execPath, [...(FROM_SOURCE ? ['--import', 'tsx'] : []), ...AGENT_NODE_FLAGS, CLI, ...args, '--data-dir', dataDir, '--name', name], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s: ${output.slice(-5).join(' | ')}`)), 60_000);
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 50) output.shift();
      const match = /listening on (\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    // Read both streams to their end, so the agent never blocks on a full pipe.
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it listened: ${output.slice(-5).join(' | ')}`));
    });
  });
  const token = env.ALGODECK_TOKEN ?? readFileSync(join(dataDir, 'agent-token'), 'utf8').trim();
  return { name, child, dataDir, url, token, output };
}

async function getJson<T>(url: string, path: string, token: string): Promise<T> {
  const response = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The call of kind `kind` to the i-th member (round-robin). */
function caller(http: HttpAgent, hub: CliAgent, members: readonly CliAgent[]): (kind: Kind, i: number) => Promise<number> {
  return (kind, i) => {
    const member = members[i % members.length]!;
    switch (kind) {
      case 'hubRead':
        return call(http, hub.url, 'GET', `/api/v1/agents/${member.name}/tasks`, hub.token);
      case 'directRead':
        return call(http, member.url, 'GET', '/api/v1/tasks', member.token);
      case 'hubCommand':
        return call(http, hub.url, 'POST', `/api/v1/agents/${member.name}/tasks/start-all`, hub.token, '{}');
      case 'directCommand':
        return call(http, member.url, 'POST', '/api/v1/tasks/start-all', member.token, '{}');
    }
  };
}

/** `count` calls with `concurrency` in flight; the duration of each. */
async function run(count: number, concurrency: number, first: number, one: (i: number) => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) samples.push(await one(first + next++));
    }),
  );
  return samples;
}


interface Totals {
  samples: number[];
  usage: Usage;
}

/** Every kind in blocks that take turns (the first kind of each round rotates); per kind, its samples and what it cost. */
async function measure(meter: Meter, callOf: (kind: Kind, i: number) => Promise<number>, calls: number, block: number, concurrency: number): Promise<Record<Kind, Totals>> {
  const totals = new Map<Kind, Totals>();
  const rounds = Math.ceil(calls / block);
  for (let r = 0; r < rounds; r++) {
    const size = Math.min(block, calls - r * block);
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(k + r) % KINDS.length]!;
      const before = meter.read();
      const samples = await run(size, concurrency, r * block, (i) => callOf(kind, i));
      const spent = usage(before, meter.read());
      const t = totals.get(kind);
      if (t) {
        t.samples.push(...samples);
        t.usage = addUsage(t.usage, spent);
      } else totals.set(kind, { samples, usage: spent });
    }
  }
  return Object.fromEntries(totals) as Record<Kind, Totals>;
}

/** The fleet with no calls, over `seconds`: CPU as % of one core, and the hub's and members' rates (to net them out of the calls' cost). */
async function idle(meter: Meter, fleetRoots: readonly number[], seconds: number) {
  const view = new MachineView(fleetRoots);
  const before = meter.read();
  await sleep(seconds * 1000);
  const u = usage(before, meter.read());
  return {
    figures: { hubPercent: round((100 * u.hubCpu) / u.seconds, 1), memberAgentsPercent: round((100 * u.membersCpu) / u.seconds, 1), ...view.finish() },
    rates: { hub: u.hubCpu / u.seconds, members: u.membersCpu / u.seconds },
  };
}

/** Latency and cost per call of each kind; CPU less the fleet's idle CPU over the same time. */
function report(totals: Record<Kind, Totals>, idleRates: { hub: number; members: number }) {
  const per = (kind: Kind) => {
    const { samples, usage: u } = totals[kind];
    const n = samples.length;
    const ms = (seconds: number) => round((1000 * seconds) / n, 3);
    return {
      ...percentiles(samples),
      callsPerSecond: round(n / u.seconds, 0),
      /** CPU time per call, net of what the hub and the members spend with no calls. */
      cpuMsPerCall: {
        hub: ms(Math.max(0, u.hubCpu - idleRates.hub * u.seconds)),
        members: ms(Math.max(0, u.membersCpu - idleRates.members * u.seconds)),
        client: ms(u.clientCpu),
      },
      /** The hub's main thread runnable but waiting for a CPU, per call. */
      hubRunQueueMsPerCall: ms(u.hubWait),
    };
  };
  const figures = Object.fromEntries(KINDS.map((kind) => [kind, per(kind)])) as Record<Kind, ReturnType<typeof per>>;
  const added = (via: Kind, direct: Kind) => ({
    p50Ms: round(figures[via].p50Ms - figures[direct].p50Ms, 2),
    p99Ms: round(figures[via].p99Ms - figures[direct].p99Ms, 2),
    p50Ratio: round(figures[via].p50Ms / figures[direct].p50Ms, 2),
    p99Ratio: round(figures[via].p99Ms / figures[direct].p99Ms, 2),
  });
  return { ...figures, hubAdds: { read: added('hubRead', 'directRead'), command: added('hubCommand', 'directCommand') } };
}

/** RSS of every process of the fleet, by role, in MB. */
function memory(hub: CliAgent, members: readonly CliAgent[]) {
  const table = procTable();
  const sum = (procs: Proc[]) => procs.reduce((total, proc) => total + rssMb(proc.pid), 0);
  const hubTree = tree(table, hub.child.pid!);
  const memberTrees = members.map((member) => tree(table, member.child.pid!));
  const memberAgents = members.map((member) => rssMb(member.child.pid!)).sort((a, b) => a - b);
  const membersTotal = memberTrees.reduce((total, procs) => total + sum(procs), 0);
  return {
    processes: hubTree.length + memberTrees.reduce((total, procs) => total + procs.length, 0),
    totalMb: round(sum(hubTree) + membersTotal, 0),
    hubAgentMb: round(rssMb(hub.child.pid!), 1),
    hubWithChildrenMb: round(sum(hubTree), 1),
    memberAgentMb: { median: round(memberAgents[memberAgents.length >> 1]!, 1), min: round(memberAgents[0]!, 1), max: round(memberAgents.at(-1)!, 1) },
    memberWithChildrenMeanMb: round(membersTotal / members.length, 1),
    membersTotalMb: round(membersTotal, 0),
  };
}

async function waitOnline(hub: CliAgent, count: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { agents } = await getJson<{ agents: Array<{ hub: boolean; status: string }> }>(hub.url, '/api/v1/agents', hub.token);
    const online = agents.filter((agent) => !agent.hub && agent.status === 'online').length;
    if (online >= count) return performance.now() - started;
    if (performance.now() - started > ONLINE_TIMEOUT_MS) throw new Error(`only ${online} of ${count} members online after ${ONLINE_TIMEOUT_MS / 1000} s`);
    await sleep(250);
  }
}


export async function runFleetHubBench(): Promise<Record<string, unknown>> {
  const memberCount = knob('BENCH_FLEET_MEMBERS', 20);
  const calls = knob('BENCH_FLEET_CALLS', 2000, 10);
  const concurrency = knob('BENCH_FLEET_CONCURRENCY', 8);
  const market = process.env.BENCH_FLEET_MEMBER_MARKET || 'none';
  if (market !== 'sim' && market !== 'none') throw new Error(`BENCH_FLEET_MEMBER_MARKET must be sim or none, got ${market}`);
  const root = mkdtempSync(join(tmpdir(), 'algodeck-bench-fleet-hub-'));
  /** Every agent process started, ready or not. */
  const spawned: ChildProcess[] = [];
  /** Keep-alive connections, as a client of the API holds them. */
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  /** Every process of the fleet (agents, their workers and markets), to be sure none outlives the bench. */
  let known: Proc[] = [];
  const base = { ...process.env };
  delete base.ALGODECK_TOKEN;
  delete base.ALGODECK_JOIN_TOKEN;
  delete base.KITE_API_KEY;
  delete base.KITE_API_SECRET;
  const common = ['--port', '0', '--workers', '1', '--no-open', '--log-level', 'warn', '--log-format', 'json'];
  // Without the simulated market: the Kite provider never logged in has no market process, and its
  // ticker worker waits for a login (its root on a closed loopback port, so nothing leaves the machine).
  const memberMarket = market === 'sim' ? [] : ['--provider', 'kite', '--kite-root', 'http://127.0.0.1:9'];
  try {
    log(`starting the hub (--hub, --workers 1, simulated market) in ${root}`);
    const hub = await startCli('hub', join(root, 'hub'), ['--hub', ...common], { ...base, ALGODECK_TOKEN: TOKEN, ALGODECK_JOIN_TOKEN: JOIN_TOKEN }, spawned);
    const hubPort = new URL(hub.url).port;
    log(`starting ${memberCount} members, ${START_BATCH} at a time (--workers 1, ${market === 'sim' ? 'simulated market' : 'no market: --provider kite, never logged in'})`);
    const startedAt = performance.now();
    const members: CliAgent[] = [];
    for (let first = 1; first <= memberCount; first += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, memberCount - first + 1) }, (_, i) => `m${first + i}`);
      const started = await Promise.allSettled(
        batch.map((name) => {
          const dataDir = join(root, name);
          mkdirSync(dataDir, { recursive: true });
          return startCli(name, dataDir, ['--join', `ws://127.0.0.1:${hubPort}`, ...common, ...memberMarket], { ...base, ALGODECK_JOIN_TOKEN: JOIN_TOKEN }, spawned);
        }),
      );
      for (const result of started) if (result.status === 'fulfilled') members.push(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const joinMs = await waitOnline(hub, memberCount);
    const startSeconds = round((performance.now() - startedAt) / 1000, 1);
    log(`${memberCount} members online ${startSeconds} s after the first started (${round(joinMs / 1000, 1)} s after the last listened)`);
    const table = procTable();
    known = spawned.flatMap((child) => tree(table, child.pid!));
    const meter = new Meter(
      hub.child.pid!,
      members.map((member) => member.child.pid!),
    );
    const roots = spawned.map((child) => child.pid!);

    await sleep(3000);
    log(`the fleet with no calls (${IDLE_SECONDS} s)`);
    const quiet = await idle(meter, roots, IDLE_SECONDS);
    log(
      `idle: hub ${quiet.figures.hubPercent} %, member agents ${quiet.figures.memberAgentsPercent} %, the whole fleet ${quiet.figures.fleetPercent} % of a core; ` +
        `from outside the bench ${quiet.figures.outsidePercent} %, the machine ${quiet.figures.machinePercent} % (200 % is both cores)`,
    );

    const callOf = caller(httpAgent, hub, members);
    log(`warm-up: ${WARM_UP} calls of each kind`);
    for (const kind of KINDS) await run(WARM_UP, 1, 0, (i) => callOf(kind, i));

    log(`one at a time: ${calls} calls of each kind (${KINDS.join(', ')}), in turns of ${SEQUENTIAL_BLOCK}`);
    let view = new MachineView(roots);
    const sequential = report(await measure(meter, callOf, calls, SEQUENTIAL_BLOCK, 1), quiet.rates);
    const sequentialMachine = view.finish();
    log(
      `one at a time: through the hub p50 ${sequential.hubRead.p50Ms} ms, p99 ${sequential.hubRead.p99Ms} ms; direct p50 ${sequential.directRead.p50Ms} ms, ` +
        `p99 ${sequential.directRead.p99Ms} ms; command through the hub p50 ${sequential.hubCommand.p50Ms} ms, p99 ${sequential.hubCommand.p99Ms} ms`,
    );

    log(`${concurrency} in flight: ${calls} calls of each kind, in turns of ${CONCURRENT_BLOCK}`);
    view = new MachineView(roots);
    const concurrent = report(await measure(meter, callOf, calls, CONCURRENT_BLOCK, concurrency), quiet.rates);
    const concurrentMachine = view.finish();
    log(
      `${concurrency} in flight: through the hub p50 ${concurrent.hubRead.p50Ms} ms, p99 ${concurrent.hubRead.p99Ms} ms (${concurrent.hubRead.callsPerSecond} calls/s); ` +
        `direct p50 ${concurrent.directRead.p50Ms} ms, p99 ${concurrent.directRead.p99Ms} ms (${concurrent.directRead.callsPerSecond} calls/s)`,
    );

    const rss = memory(hub, members);
    log(`memory: ${rss.processes} processes, ${rss.totalMb} MB RSS in all (hub ${rss.hubAgentMb} MB, a member agent ${rss.memberAgentMb.median} MB)`);
    const others = Math.max(quiet.figures.outsidePercent, sequentialMachine.outsidePercent, concurrentMachine.outsidePercent);
    if (others > OTHER_LOAD_WARN) {
      const busiest = [quiet.figures, sequentialMachine, concurrentMachine].flatMap((view) => view.busiestOthers ?? []).sort((a, b) => b.percent - a.percent)[0];
      log(`work from outside the bench took up to ${others} % of a core meanwhile (busiest: ${busiest?.command ?? 'short-lived processes'}): the latencies carry it`);
    }
    const p99 = sequential.hubRead.p99Ms;
    return {
      members: memberCount,
      memberMarket: market === 'sim' ? 'simulated market' : 'none (--provider kite, never logged in: no market process)',
      callsPerKind: calls,
      warmUpPerKind: WARM_UP,
      concurrency,
      target: { p99Ms: TARGET_P99_MS, of: 'hubRead, one at a time', measuredP99Ms: p99, met: p99 <= TARGET_P99_MS },
      startSeconds,
      oneAtATime: sequential,
      inFlight: concurrent,
      /** Where the machine's CPU went (% of one core; 200 % is both cores): with no calls, and over each phase. */
      machine: { idle: quiet.figures, oneAtATime: sequentialMachine, inFlight: concurrentMachine, disturbed: others > OTHER_LOAD_WARN },
      memory: rss,
      note:
        'Every agent is its own `node --max-semi-space-size=2 cli.mjs` process with --workers 1 (a ticker worker process each); the hub has the simulated market as ' +
        '`npm start` does, the members as memberMarket says. hubRead: GET /api/v1/agents/m<k>/tasks on the hub, round-robin over the members; directRead: GET /api/v1/tasks on member k\'s own port ' +
        '(its token from its data dir); hubCommand/directCommand: POST …/tasks/start-all {} (no tasks: changes nothing, but it is a command, written to the audit ' +
        'log of the hub and of the member). Client: this process, node:http with keep-alive. Kinds take turns in blocks. cpuMsPerCall is net of each ' +
        "process's idle CPU; the members' count only their agent processes. All on one machine: members' own load shares the CPUs with the hub.",
    };
  } finally {
    httpAgent.destroy();
    const table = procTable();
    // Anything of theirs started after the snapshot (a worker restarted) is found again now.
    const all = [...known, ...spawned.flatMap((child) => (child.pid ? tree(table, child.pid) : []))];
    const killed = await stopAll(spawned, all);
    if (killed > 0) log(`killed ${killed} processes that did not stop on SIGTERM`);
    rmSync(root, { recursive: true, force: true });
  }
}
