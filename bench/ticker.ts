/**
 * Ticker engine benchmarks, side by side in one run:
 * - ceiling: Kite's real ceiling (9,000 instruments, full mode, 2 ticks/s each = 18,000 ticks/s
 *   into 3 workers) fanned out to 21 consumers in their own processes: a recorder of everything
 *   and 20 algos of 900 random instruments each;
 * - max: the highest tick rate the engine sustains to one consumer, against a bare ws server
 *   sending the same batched payload straight to the same consumer.
 *
 * Each figure is the median of several measurements, with their spread (`spread`: min, max and
 * every value), so that one run tells how far its figures can be trusted:
 * - ceiling: the measured time is cut into BENCH_WINDOWS (5) sub-windows of BENCH_MEASURE_MS
 *   (10,000) ms each; p50/p99/p999 are the medians over the sub-windows (`wholeWindow` holds the
 *   values over all of it);
 * - max: after a coarse search, BENCH_MAX_REPEATS (3) searches of BENCH_MAX_STEPS (5) bisection
 *   steps each, the engine's and the bare server's steps taken in turn so that drift on the
 *   machine affects both; the ratio is the median of the repeats' ratios.
 *   BENCH_ATTEMPT_MS (3000) is how long each offered rate is measured.
 * BENCH_PARTS=ceiling (or max) runs one part. For experiments: BENCH_ALGOS (20) sets the number of
 * algo consumers, BENCH_CONSUMER_NICE (0) runs the consumers at that nice level.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TickerState } from '../shared/contract/api';
import { AGENT_NODE_FLAGS } from '../agent/process/node-flags';
import { pick } from './pick';
import { LatencyHistogram } from './latency-histogram';
import { MachineSampler, ProcessSampler, childrenOf, round } from './proc-stats';
import { median, spreadOf } from './spread';

/** Bench processes run from the built tree (`npm run bench`) or, under tsx, from source. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const here = (name: string) => fileURLToPath(new URL(`./${name}${FROM_SOURCE ? '.ts' : '.mjs'}`, import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children = new Set<ChildProcess>();
const log = (text: string) => process.stderr.write(`[ticker] ${text}\n`);

function start(file: string, args: string[], stdout: 'pipe' | 'ignore' = 'ignore', nodeFlags: string[] = []): ChildProcess {
  const execArgv = [...(FROM_SOURCE ? ['--import', 'tsx'] : []), ...nodeFlags];
  const child = fork(here(file), args, { execArgv, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function message<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from ${child.spawnfile} in ${timeoutMs} ms`)), timeoutMs);
    const listener = (m: { type?: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve(m as T);
    };
    child.on('message', listener);
  });
}

async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface BenchAgent {
  child: ChildProcess;
  url: string;
  dataDir: string;
  simMarketPid: number | null;
}

async function startAgent(options: Record<string, unknown>): Promise<BenchAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-bench-'));
  // The agent runs with the flags `npm start` gives it.
  const child = start('agent-process', [JSON.stringify({ port: 0, token: TOKEN, dataDir, ...options })], 'ignore', AGENT_NODE_FLAGS);
  const ready = await message<{ url: string; simMarketPid: number | null }>(child, 'ready');
  return { child, url: ready.url, dataDir, simMarketPid: ready.simMarketPid };
}

async function stopAgent(agent: { child: ChildProcess; dataDir: string }): Promise<void> {
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.send({ type: 'stop' });
  await Promise.race([exited, sleep(10_000)]);
  agent.child.kill('SIGKILL');
  rmSync(agent.dataDir, { recursive: true, force: true });
}


/** 9,000 instruments at 2 ticks/s each: one API key at Kite's limits. */
const OFFERED = 18_000;

/** One consumer's sub-window, as it prints it. */
interface ConsumerWindow {
  received: number;
  messages: number;
  seconds: number;
  lagged: number;
  conflated: number;
  gcMs: number;
  gcMaxMs: number;
  histogram: Array<[number, number]>;
}

/** p50/p99/p999 of a histogram, in ms. */
function quantiles(histogram: LatencyHistogram) {
  return { p50Ms: histogram.quantile(0.5), p99Ms: histogram.quantile(0.99), p999Ms: histogram.quantile(0.999) };
}

async function ceiling(windowMs: number, windowCount: number) {
  const agent = await startAgent({ workers: 3, simInstruments: 9000, simTicksPerSecond: 2 });
  const { instruments } = await api<{ instruments: Array<{ id: string }> }>(agent.url, 'GET', '/api/v1/instruments?search=NSE:SIM&limit=9000');
  const ids = instruments.map((i) => i.id);
  await api(agent.url, 'POST', '/api/v1/ticker/subscriptions', { instruments: ids, mode: 'full' });
  const deadline = Date.now() + 30_000;
  let state = await api<TickerState>(agent.url, 'GET', '/api/v1/ticker');
  // Wait for the steady rate (the first second also carries every instrument's snapshot).
  while ((state.ticksPerSecond < 17_000 || state.ticksPerSecond > 19_000) && Date.now() < deadline) {
    await sleep(500);
    state = await api<TickerState>(agent.url, 'GET', '/api/v1/ticker');
  }
  log(`ceiling: ${ids.length} instruments, engine at ${state.ticksPerSecond} ticks/s; starting the consumers`);
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-bench-ids-'));
  const wsUrl = `${agent.url.replace('http', 'ws')}/api/v1/stream?format=binary`;
  const warmupMs = 8000;
  const consumers: ChildProcess[] = [];
  const algos = knob('BENCH_ALGOS', 20, 0);
  for (let i = 0; i <= algos; i++) {
    let which = 'all';
    if (i > 0) {
      which = join(dir, `algo-${i}.json`);
      writeFileSync(which, JSON.stringify(pick(ids, 900, i)));
    }
    consumers.push(start('consumer', [wsUrl, TOKEN, which, 'window'], 'pipe'));
  }
  // An experiment: consumers at a lower priority than the engine's processes (BENCH_CONSUMER_NICE).
  const consumerNice = knob('BENCH_CONSUMER_NICE', 0, 0);
  if (consumerNice > 0) for (const consumer of consumers) setPriority(consumer.pid!, consumerNice);
  const outputs = consumers.map(
    (child) =>
      new Promise<string>((resolve) => {
        let out = '';
        child.stdout!.on('data', (d) => (out += d));
        child.on('exit', () => resolve(out));
      }),
  );
  await Promise.all(consumers.map((c) => message(c, 'subscribed')));
  await sleep(warmupMs);
  const agentPid = agent.child.pid!;
  const workerPids = state.workers.map((w) => w.pid!);
  const marketPids = agent.simMarketPid === null ? [] : [agent.simMarketPid];
  const agentSampler = new ProcessSampler(() => [agentPid]);
  const workerSampler = new ProcessSampler(() => workerPids);
  const marketSampler = new ProcessSampler(() => marketPids);
  const consumerPids = consumers.map((c) => c.pid!);
  const consumerSampler = new ProcessSampler(() => consumerPids);
  const benchSampler = new ProcessSampler(() => [process.pid]);
  const machineSampler = new MachineSampler();
  const agentGc = async () => {
    agent.child.send({ type: 'gc' });
    return message<{ ms: number; maxMs: number; count: number }>(agent.child, 'gc');
  };
  await agentGc(); // from now on
  log(`ceiling: measuring ${windowCount} × ${windowMs} ms`);
  for (const consumer of consumers) consumer.send({ type: 'measure', ms: windowMs, windows: windowCount });
  // Sample over the consumers' window, finishing before they exit.
  await sleep(windowMs * windowCount - 100);
  const agentUse = agentSampler.finish();
  const workerUse = workerSampler.finish();
  const marketUse = marketSampler.finish();
  const consumerUse = consumerSampler.finish();
  const benchUse = benchSampler.finish();
  const machine = machineSampler.finish();
  const agentGcUse = await agentGc();
  const results = (await Promise.all(outputs)).map((out) => (JSON.parse(out.trim().split('\n').at(-1)!) as { windows: ConsumerWindow[] }).windows);
  const after = await api<TickerState & { consumers?: Array<{ conflated: number }> }>(agent.url, 'GET', '/api/v1/ticker');
  await stopAgent(agent);
  rmSync(dir, { recursive: true, force: true });

  // Per sub-window, every consumer's histogram merged; and all of them over the whole time.
  const whole = new LatencyHistogram();
  const perWindow = Array.from({ length: windowCount }, (_, w) => {
    const histogram = new LatencyHistogram();
    for (const windows of results) histogram.add(LatencyHistogram.fromSparse(windows[w]!.histogram));
    whole.add(histogram);
    return quantiles(histogram);
  });
  const perConsumerP99 = results.map((windows) => {
    const histogram = new LatencyHistogram();
    for (const w of windows) histogram.add(LatencyHistogram.fromSparse(w.histogram));
    return histogram.quantile(0.99);
  });
  const sum = (windows: ConsumerWindow[], key: 'received' | 'messages' | 'seconds' | 'conflated' | 'gcMs') => windows.reduce((total, w) => total + w[key], 0);
  const seconds = sum(results[0]!, 'seconds');
  const delivered = results.reduce((total, windows) => total + sum(windows, 'received') / sum(windows, 'seconds'), 0);
  const figure = (key: 'p50Ms' | 'p99Ms' | 'p999Ms') => perWindow.map((q) => q[key]);
  return {
    instruments: ids.length,
    offeredTicksPerSecond: OFFERED,
    // The recorder receives every tick the engine carries.
    engineTicksPerSecond: round(sum(results[0]!, 'received') / seconds, 0),
    consumers: results.length,
    deliveredPerSecond: round(delivered, 0),
    expectedPerSecond: round(OFFERED * (1 + (algos * 900) / ids.length), 0),
    dropped: results.reduce((total, windows) => total + sum(windows, 'conflated'), 0) + (after.consumers ?? []).reduce((total, c) => total + c.conflated, 0),
    // Medians over the sub-windows; their spread below, and the values over the whole time.
    p50Ms: median(figure('p50Ms')),
    p99Ms: median(figure('p99Ms')),
    p999Ms: median(figure('p999Ms')),
    windows: windowCount,
    windowSeconds: round(windowMs / 1000, 1),
    spread: { p50Ms: spreadOf(figure('p50Ms')), p99Ms: spreadOf(figure('p99Ms')), p999Ms: spreadOf(figure('p999Ms')) },
    wholeWindow: quantiles(whole),
    agentCpuPercent: agentUse.cpuPercent,
    agentRssMb: agentUse.peakRssMb,
    workersCpuPercent: workerUse.cpuPercent,
    workersRssMb: workerUse.peakRssMb,
    simMarketCpuPercent: marketUse.cpuPercent,
    consumersCpuPercent: consumerUse.cpuPercent,
    // Where the tail may come from: time the main threads spent runnable but waiting for a CPU
    // (% of the window, summed over each group), the consumers' own collection pauses, and how
    // far the consumers' p99s differ.
    runQueueWaitPercent: {
      agent: agentUse.waitPercent,
      workers: workerUse.waitPercent,
      simMarket: marketUse.waitPercent,
      consumers: consumerUse.waitPercent,
    },
    agentGc: { pauseMsPerSecond: round(agentGcUse.ms / seconds, 2), maxPauseMs: round(agentGcUse.maxMs, 2), count: agentGcUse.count },
    consumersGc: {
      pauseMsPerSecond: round(results.reduce((total, windows) => total + sum(windows, 'gcMs'), 0) / seconds, 2),
      maxPauseMs: round(Math.max(...results.flatMap((windows) => windows.map((w) => w.gcMaxMs))), 2),
    },
    consumerP99Ms: { min: Math.min(...perConsumerP99), max: Math.max(...perConsumerP99), recorder: perConsumerP99[0]! },
    // Messages (hub flushes reaching it) per second: ~40 would be one per sim frame, ~120 one per worker frame.
    consumerMessagesPerSecond: {
      recorder: round(sum(results[0]!, 'messages') / seconds, 1),
      algos: round(median(results.slice(1).map((windows) => sum(windows, 'messages') / seconds)), 1),
    },
    // CPU of the whole machine (% of one core; 100 × cores is all of it), and of whatever else
    // ran on it beside this benchmark: a figure taken on a busy machine says so here.
    machine: {
      cpuPercent: machine.cpuPercent,
      othersCpuPercent: round(
        machine.cpuPercent - agentUse.cpuPercent - workerUse.cpuPercent - marketUse.cpuPercent - consumerUse.cpuPercent - benchUse.cpuPercent,
      ),
      stealPercent: machine.stealPercent,
    },
    ...(consumerNice === 0 ? {} : { consumerNice }),
  };
}

interface Counter {
  received: number;
  lagged: number;
  /** When the consumer counted (its clock): rates come from its own reports, not our sampling. */
  at: number;
}

/** Starts a consumer that reports its running count, and returns a live view of it. */
async function reportingConsumer(url: string, token: string): Promise<{ child: ChildProcess; count: Counter }> {
  const child = start('consumer', [url, token, 'all', 'report']);
  const count: Counter = { received: 0, lagged: 0, at: 0 };
  child.on('message', (m: { type?: string } & Counter) => {
    if (m.type === 'count') Object.assign(count, { received: m.received, lagged: m.lagged, at: m.at });
  });
  await message(child, 'subscribed');
  return { child, count };
}

/** One way ticks reach the consumer in the max benchmark: a rate-controlled feed and what the consumer counted. */
interface MaxPath {
  label: 'engine' | 'bare';
  feed: ChildProcess;
  count: Counter;
}

/** Coarse search starts here and doubles (or halves) to bracket the highest sustained rate. */
const START_RATE = 200_000;
const MIN_RATE = 12_500;
const MAX_RATE = 12_800_000;
/** The repeated searches look a little beyond the coarse bracket, in case a coarse step was unlucky. */
const BRACKET_MARGIN = { below: 0.8, above: 1.2 };

/** Offers `rate` for a while: sustained if the consumer received ≥ 97 % of it without lagging. */
async function attempt(path: MaxPath, rate: number, measureMs: number): Promise<{ ok: boolean; achieved: number }> {
  const { feed, count } = path;
  feed.send({ type: 'rate', ticksPerSecond: rate });
  await sleep(1000);
  const { received: r0, lagged: l0, at: t0 } = count;
  await sleep(measureMs);
  const achieved = ((count.received - r0) * 1000) / (count.at - t0);
  const ok = achieved >= 0.97 * rate && count.lagged === l0;
  feed.send({ type: 'rate', ticksPerSecond: 0 });
  await drained(count);
  log(`max/${path.label}: offered ${rate}/s, received ${Math.round(achieved)}/s ${ok ? 'ok' : 'NOT sustained'}`);
  return { ok, achieved };
}

/** Drained once the count stops moving (the consumer reports every 100 ms). */
async function drained(count: Counter): Promise<void> {
  let last = -1;
  while (count.received !== last) {
    last = count.received;
    await sleep(300);
  }
}

/** A first, unmeasured run at a moderate rate, so that no measurement pays for a cold start. */
async function warmUp(path: MaxPath): Promise<void> {
  path.feed.send({ type: 'rate', ticksPerSecond: START_RATE / 2 });
  await sleep(2000);
  path.feed.send({ type: 'rate', ticksPerSecond: 0 });
  await drained(path.count);
}

/** Doubling (or halving) from START_RATE: the last rate sustained and the first one not. */
async function coarseBracket(path: MaxPath, measureMs: number): Promise<{ low: number; high: number }> {
  let rate = START_RATE;
  if ((await attempt(path, rate, measureMs)).ok) {
    for (; rate < MAX_RATE; rate *= 2) {
      if (!(await attempt(path, rate * 2, measureMs)).ok) return { low: rate, high: rate * 2 };
    }
    return { low: rate, high: rate * 2 };
  }
  for (; rate > MIN_RATE; rate /= 2) {
    if ((await attempt(path, rate / 2, measureMs)).ok) return { low: rate / 2, high: rate };
  }
  return { low: 0, high: rate };
}

/**
 * `repeats` bisections of `steps` steps within each path's (widened) coarse bracket, the paths'
 * steps taken in turn (in alternating order), so that whatever else the machine does at the time
 * weighs on both. Each repeat finds, per path, the highest rate received in full, to within
 * about 3 % for 5 steps.
 */
async function repeatedSearches(paths: MaxPath[], brackets: Array<{ low: number; high: number }>, repeats: number, steps: number, measureMs: number) {
  const found = paths.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    const order = paths.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    const search = brackets.map(({ low, high }) => ({ low: low * BRACKET_MARGIN.below, high: high * BRACKET_MARGIN.above, best: 0 }));
    for (let step = 0; step < steps; step++) {
      for (const i of order) {
        const s = search[i]!;
        const rate = Math.round((s.low + s.high) / 2);
        const { ok, achieved } = await attempt(paths[i]!, rate, measureMs);
        if (ok) {
          s.low = rate;
          s.best = Math.max(s.best, achieved);
        } else s.high = rate;
      }
    }
    // Nothing sustained in the bracket: its floor is the best this repeat can say.
    search.forEach((s, i) => found[i]!.push(s.best > 0 ? s.best : s.low));
    log(`max: repeat ${r + 1}/${repeats}: ${paths.map((p, i) => `${p.label} ${Math.round(found[i]!.at(-1)!)}/s`).join(', ')}`);
  }
  return found;
}

async function max(measureMs: number, repeats: number, steps: number) {
  const instruments = 3000;
  // Both paths are set up at once, so that their measurements can alternate; the one not being
  // measured is idle (no ticks offered).
  const bareFeed = start('feeds', ['bare', String(instruments)]);
  const bareInfo = await message<{ url: string }>(bareFeed, 'listening');
  const bareConsumer = await reportingConsumer(bareInfo.url, '');
  const kiteFeed = start('feeds', ['kite', String(instruments)]);
  const kiteInfo = await message<{ url: string; tokens: string[] }>(kiteFeed, 'listening');
  const agent = await startAgent({ workers: 1, simInstruments: instruments, feed: { url: kiteInfo.url, apiKey: 'bench', accessToken: 'bench' } });
  await api(agent.url, 'POST', '/api/v1/ticker/subscriptions', { instruments: kiteInfo.tokens, mode: 'full' });
  const engineConsumer = await reportingConsumer(`${agent.url.replace('http', 'ws')}/api/v1/stream?format=binary`, TOKEN);

  const engine: MaxPath = { label: 'engine', feed: kiteFeed, count: engineConsumer.count };
  const bare: MaxPath = { label: 'bare', feed: bareFeed, count: bareConsumer.count };
  // This benchmark's processes (itself, its children and the agent's workers), to tell the rest apart.
  const benchPids = [process.pid, ...[...children].map((child) => child.pid!), ...childrenOf(agent.child.pid!)];
  const benchSampler = new ProcessSampler(() => benchPids);
  const machineSampler = new MachineSampler();
  await warmUp(engine);
  await warmUp(bare);
  const brackets = [await coarseBracket(engine, measureMs), await coarseBracket(bare, measureMs)];
  log(`max: coarse brackets: engine ${brackets[0]!.low}–${brackets[0]!.high}/s, bare ${brackets[1]!.low}–${brackets[1]!.high}/s`);
  const [engineRates, bareRates] = await repeatedSearches([engine, bare], brackets, repeats, steps, measureMs);
  const benchUse = benchSampler.finish();
  const machine = machineSampler.finish();

  engineConsumer.child.kill('SIGKILL');
  bareConsumer.child.kill('SIGKILL');
  await stopAgent(agent);
  kiteFeed.kill('SIGKILL');
  bareFeed.kill('SIGKILL');
  // Each repeat's engine and bare searches ran side by side: the ratio is taken per repeat.
  const ratios = engineRates!.map((rate, i) => rate / bareRates![i]!);
  const rates = (values: number[]) => values.map((value) => round(value, 0));
  return {
    engineTicksPerSecond: round(median(engineRates!), 0),
    bareTicksPerSecond: round(median(bareRates!), 0),
    ratio: round(median(ratios), 3),
    repeats,
    spread: {
      engineTicksPerSecond: spreadOf(rates(engineRates!)),
      bareTicksPerSecond: spreadOf(rates(bareRates!)),
      ratio: spreadOf(ratios.map((ratio) => round(ratio, 3))),
    },
    // As in the ceiling part: what else the machine was doing meanwhile.
    machine: { cpuPercent: machine.cpuPercent, othersCpuPercent: round(machine.cpuPercent - benchUse.cpuPercent), stealPercent: machine.stealPercent },
  };
}

/** A whole number ≥ `min` from the environment. */
function knob(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${text}`);
  return value;
}

export async function runTickerBench(): Promise<Record<string, unknown>> {
  try {
    const parts = (process.env.BENCH_PARTS ?? 'ceiling,max').split(',');
    const result: Record<string, unknown> = { bench: 'ticker' };
    if (parts.includes('ceiling')) {
      result.ceiling = await ceiling(knob('BENCH_MEASURE_MS', 10_000, 500), knob('BENCH_WINDOWS', 5));
      log(`ceiling: ${JSON.stringify(result.ceiling)}`);
    }
    if (parts.includes('max')) {
      result.max = await max(knob('BENCH_ATTEMPT_MS', 3000, 500), knob('BENCH_MAX_REPEATS', 3), knob('BENCH_MAX_STEPS', 5));
      log(`max: ${JSON.stringify(result.max)}`);
    }
    return result;
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
