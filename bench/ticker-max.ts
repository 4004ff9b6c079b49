/** The max part of the ticker benchmark: the engine against a bare ws server (see ticker.ts). */
import { type ChildProcess } from 'node:child_process';
import { MachineSampler, ProcessSampler, childrenOf, round } from './proc-stats';
import { median, spreadOf } from './spread';
import { api, children, log, message, sleep, start, startAgent, stopAgent, TOKEN } from './bench-processes';

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

export async function max(measureMs: number, repeats: number, steps: number) {
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
