/** The ceiling part of the ticker benchmark: Kite's limits fanned out to 21 consumer processes (see ticker.ts). */
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TickerState } from '../shared/contract/api';
import { pick } from './pick';
import { LatencyHistogram } from './latency-histogram';
import { MachineSampler, ProcessSampler, round } from './proc-stats';
import { median, spreadOf } from './spread';
import { api, log, message, sleep, start, startAgent, stopAgent, TOKEN, knob } from './bench-processes';

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

/** `liveCandles: false` runs the engine without writing candles (the baseline of their cost). */
export async function ceiling(windowMs: number, windowCount: number, { liveCandles = true }: { liveCandles?: boolean } = {}) {
  const agent = await startAgent({ workers: 3, simInstruments: 9000, simTicksPerSecond: 2, liveCandles });
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
