/**
 * Ticker engine benchmarks, side by side in one run:
 * - ceiling: Kite's real ceiling (9,000 instruments, full mode, 2 ticks/s each = 18,000 ticks/s
 *   into 3 workers) fanned out to 21 consumers in their own processes: a recorder of everything
 *   and 20 algos of 900 random instruments each;
 * - max: the highest tick rate the engine sustains to one consumer, against a bare ws server
 *   sending the same batched payload straight to the same consumer.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TickerState } from '../shared/contract/api';
import { AGENT_NODE_FLAGS } from '../agent/process/node-flags';
import { LatencyHistogram } from './latency-histogram';
import { ProcessSampler, childrenOf, round } from './proc-stats';

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

async function startAgent(options: Record<string, unknown>): Promise<{ child: ChildProcess; url: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-bench-'));
  // The agent runs with the flags `npm start` gives it.
  const child = start('agent-process', [JSON.stringify({ port: 0, token: TOKEN, dataDir, ...options })], 'ignore', AGENT_NODE_FLAGS);
  const ready = await message<{ url: string }>(child, 'ready');
  return { child, url: ready.url, dataDir };
}

async function stopAgent(agent: { child: ChildProcess; dataDir: string }): Promise<void> {
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.send({ type: 'stop' });
  await Promise.race([exited, sleep(10_000)]);
  agent.child.kill('SIGKILL');
  rmSync(agent.dataDir, { recursive: true, force: true });
}

/** A deterministic shuffle, so every run benchmarks the same algos. */
function pick(ids: string[], count: number, seed: number): string[] {
  const copy = [...ids];
  let s = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

/** 9,000 instruments at 2 ticks/s each: one API key at Kite's limits. */
const OFFERED = 18_000;

async function ceiling(measureMs: number) {
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
  const algos = Number(process.env.BENCH_ALGOS ?? 20);
  for (let i = 0; i <= algos; i++) {
    let which = 'all';
    if (i > 0) {
      which = join(dir, `algo-${i}.json`);
      writeFileSync(which, JSON.stringify(pick(ids, 900, i)));
    }
    consumers.push(start('consumer', [wsUrl, TOKEN, which, 'window'], 'pipe'));
  }
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
  const agentSampler = new ProcessSampler(() => [agentPid]);
  const workerSampler = new ProcessSampler(() => workerPids);
  const marketSampler = new ProcessSampler(() => childrenOf(agentPid).filter((pid) => !workerPids.includes(pid)));
  const consumerPids = consumers.map((c) => c.pid!);
  const consumerSampler = new ProcessSampler(() => consumerPids);
  for (const consumer of consumers) consumer.send({ type: 'measure', ms: measureMs });
  // Sample over the consumers' window, finishing before they exit.
  await sleep(measureMs - 100);
  const agentUse = agentSampler.finish();
  const workerUse = workerSampler.finish();
  const marketUse = marketSampler.finish();
  const consumerUse = consumerSampler.finish();
  const results = (await Promise.all(outputs)).map(
    (out) => JSON.parse(out.trim().split('\n').at(-1)!) as { received: number; seconds: number; lagged: number; conflated: number; histogram: Array<[number, number]> },
  );
  const after = await api<TickerState & { consumers?: Array<{ conflated: number }> }>(agent.url, 'GET', '/api/v1/ticker');
  await stopAgent(agent);
  rmSync(dir, { recursive: true, force: true });

  const histogram = new LatencyHistogram();
  for (const r of results) histogram.add(LatencyHistogram.fromSparse(r.histogram));
  const delivered = results.reduce((sum, r) => sum + r.received / r.seconds, 0);
  return {
    instruments: ids.length,
    offeredTicksPerSecond: OFFERED,
    // The recorder receives every tick the engine carries.
    engineTicksPerSecond: round(results[0]!.received / results[0]!.seconds, 0),
    consumers: results.length,
    deliveredPerSecond: round(delivered, 0),
    expectedPerSecond: round(OFFERED * (1 + (algos * 900) / ids.length), 0),
    dropped: results.reduce((sum, r) => sum + r.conflated, 0) + (after.consumers ?? []).reduce((sum, c) => sum + c.conflated, 0),
    p50Ms: histogram.quantile(0.5),
    p99Ms: histogram.quantile(0.99),
    p999Ms: histogram.quantile(0.999),
    agentCpuPercent: agentUse.cpuPercent,
    agentRssMb: agentUse.peakRssMb,
    workersCpuPercent: workerUse.cpuPercent,
    workersRssMb: workerUse.peakRssMb,
    simMarketCpuPercent: marketUse.cpuPercent,
    consumersCpuPercent: consumerUse.cpuPercent,
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

/** Finds the highest offered rate the consumer receives in full (≥ 97 %) with no lag. */
async function maxSustained(feed: ChildProcess, count: Counter, label: string): Promise<number> {
  const attempt = async (rate: number) => {
    feed.send({ type: 'rate', ticksPerSecond: rate });
    await sleep(1000);
    const { received: r0, lagged: l0, at: t0 } = count;
    await sleep(3000);
    const achieved = ((count.received - r0) * 1000) / (count.at - t0);
    const ok = achieved >= 0.97 * rate && count.lagged === l0;
    feed.send({ type: 'rate', ticksPerSecond: 0 });
    let last = -1;
    while (count.received !== last) {
      last = count.received;
      await sleep(500);
    }
    log(`max/${label}: offered ${rate}/s, received ${Math.round(achieved)}/s ${ok ? 'ok' : 'NOT sustained'}`);
    return { ok, achieved };
  };
  let best = 0;
  let low = 0;
  let high = 0;
  for (let rate = 50_000; rate <= 12_800_000; rate *= 2) {
    const { ok, achieved } = await attempt(rate);
    if (!ok) {
      high = rate;
      break;
    }
    low = rate;
    best = Math.max(best, achieved);
  }
  if (high === 0) return best;
  // Five halvings: the answer is within about 3 % of the highest rate that passed.
  for (let i = 0; i < 5; i++) {
    const mid = Math.round((low + high) / 2);
    const { ok, achieved } = await attempt(mid);
    if (ok) {
      low = mid;
      best = Math.max(best, achieved);
    } else high = mid;
  }
  return best;
}

async function max() {
  const instruments = 3000;
  const bareFeed = start('feeds', ['bare', String(instruments)]);
  const bareInfo = await message<{ url: string }>(bareFeed, 'listening');
  const bareConsumer = await reportingConsumer(bareInfo.url, '');
  const bare = await maxSustained(bareFeed, bareConsumer.count, 'bare');
  bareConsumer.child.kill('SIGKILL');
  bareFeed.kill('SIGKILL');

  const kiteFeed = start('feeds', ['kite', String(instruments)]);
  const kiteInfo = await message<{ url: string; tokens: string[] }>(kiteFeed, 'listening');
  const agent = await startAgent({ workers: 1, simInstruments: instruments, feed: { url: kiteInfo.url, apiKey: 'bench', accessToken: 'bench' } });
  await api(agent.url, 'POST', '/api/v1/ticker/subscriptions', { instruments: kiteInfo.tokens, mode: 'full' });
  const engineConsumer = await reportingConsumer(`${agent.url.replace('http', 'ws')}/api/v1/stream?format=binary`, TOKEN);
  const engine = await maxSustained(kiteFeed, engineConsumer.count, 'engine');
  engineConsumer.child.kill('SIGKILL');
  await stopAgent(agent);
  kiteFeed.kill('SIGKILL');
  return { engineTicksPerSecond: round(engine, 0), bareTicksPerSecond: round(bare, 0), ratio: round(engine / bare, 3) };
}

export async function runTickerBench(): Promise<Record<string, unknown>> {
  try {
    // BENCH_MEASURE_MS shortens the measured window; BENCH_PARTS=ceiling (or max) runs one half.
    const measureMs = Number(process.env.BENCH_MEASURE_MS ?? 15_000);
    const parts = (process.env.BENCH_PARTS ?? 'ceiling,max').split(',');
    const result: Record<string, unknown> = { bench: 'ticker' };
    if (parts.includes('ceiling')) {
      result.ceiling = await ceiling(measureMs);
      log(`ceiling: ${JSON.stringify(result.ceiling)}`);
    }
    if (parts.includes('max')) {
      result.max = await max();
      log(`max: ${JSON.stringify(result.max)}`);
    }
    return result;
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
