/**
 * The dashboard benchmark (`npm run bench -- ui`), in headless Chromium against a real agent
 * process on the simulated market:
 * - cold load: a fresh browser profile, signed in, opens the agent's root; time from navigation
 *   to the first live price in the watchlist (median of BENCH_UI_LOADS, 3). Target ≤ 1.5 s.
 *   Measured on what a new user opens (a fresh agent: the NIFTY 50 watchlist ticking), and
 *   again with the 500-instrument watchlist open and ticking. The same loads of `bench/ui-floor`
 *   (the least a page can do to show a live price: no framework, one cell) on a fresh agent give
 *   this machine's floor, and the dashboard's ratio to it.
 * - steady: market watch with BENCH_UI_INSTRUMENTS (500) instruments ticking at 2 Hz in one
 *   watchlist and a live chart, for BENCH_UI_SECONDS (60): frame time p50/p95/p99 from
 *   requestAnimationFrame (target p95 ≤ 16.7 ms; `dropped` counts frames over 25 ms, a missed
 *   vsync; the page's clock has 0.1 ms resolution, so a frame on time reads 16.6 to 16.8 ms),
 *   long tasks over 50 ms after load (target 0), JS heap after a forced collection at the start
 *   and the end (growth per minute), and sampled every 5 s without one; the frames over 50 ms
 *   with what ran in them. `floorSteady`: the same on the floor page taking the same stream.
 * - the bundle: every file of dist/renderer gzipped, summed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/chromium';
import { api, knob, startAgent, stopAgent, TOKEN } from './bench-processes';
import { median } from './spread';

const log = (text: string) => process.stderr.write(`[ui] ${text}\n`);
/** The simulated universe before generated instruments: the NIFTY 50 stocks and two indices. */
const SIM_BASE_INSTRUMENTS = 52;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Bytes of every file under a folder, raw and gzipped (as a server would send it). */
function bundleSize(dir: string): { files: number; rawKb: number; gzipKb: number } {
  let raw = 0;
  let gzip = 0;
  let files = 0;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const bytes = readFileSync(path);
        raw += bytes.length;
        gzip += gzipSync(bytes).length;
        files++;
      }
    }
  };
  walk(dir);
  return { files, rawKb: round(raw / 1024), gzipKb: round(gzip / 1024) };
}

async function signIn(page: Page, url: string): Promise<void> {
  const response = await page.request.post(`${url}/api/v1/session`, { data: { token: TOKEN }, headers: { origin: url } });
  if (!response.ok()) throw new Error(`sign-in: HTTP ${response.status()} ${await response.text()}`);
}

// These run in the page (as functions: the dashboard's CSP refuses evaluated strings). The
// benchmark is type-checked as Node code, so the page's globals are declared loosely here.
declare const document: { querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null };
declare const window: { __bench?: { frames: number[]; longTasks: number[]; longFrames: string[] } };
declare function requestAnimationFrame(callback: (time: number) => void): number;

function firstPrice(): number | false {
  const cell = document.querySelector('[data-testid="watchlist"] [data-field="lastPrice"]:not([data-stale])');
  return cell && cell.textContent !== '—' ? performance.now() : false;
}

function chartDrawn(): boolean {
  return Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-bars')) > 0;
}

/** Frame times and long tasks, recorded in the page from now on. */
function record(): void {
  const bench = (window.__bench = { frames: [] as number[], longTasks: [] as number[], longFrames: [] as string[] });
  // Node's types do not know the browser's `longtask` and `long-animation-frame` entries.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
  }).observe({ type: 'longtask' as 'function' });
  // What ran in each frame over 50 ms, to say where a long task came from.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as unknown as Array<{ duration: number; scripts: Array<{ invoker: string; duration: number }> }>) {
      const scripts = entry.scripts.map((script) => `${script.invoker} ${Math.round(script.duration)} ms`).join(', ');
      bench.longFrames.push(`${Math.round(entry.duration)} ms: ${scripts || 'style, layout, paint'}`);
    }
  }).observe({ type: 'long-animation-frame' as 'function' });
  let last = performance.now();
  const loop = (time: number) => {
    bench.frames.push(time - last);
    last = time;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}

/** Cold loads, each in a fresh profile (nothing cached): ms from navigation to the first live price. */
async function coldLoads(url: string, loads: number, browsers: Array<{ close(): Promise<void> }>): Promise<number[]> {
  const coldMs: number[] = [];
  for (let n = 0; n < loads; n++) {
    const browser = await launchChromium();
    browsers.push(browser);
    const page = await browser.context.newPage();
    await signIn(page, url);
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(firstPrice, undefined, { polling: 'raf', timeout: 30_000 });
    coldMs.push(round((await handle.jsonValue()) as number));
    await browser.close();
    browsers.pop();
  }
  return coldMs;
}

/** Cold loads from a fresh agent on its first run (the NIFTY 50 watchlist ticking), stopped after. */
async function coldLoadsOfFreshAgent(options: Record<string, unknown>, loads: number, browsers: Array<{ close(): Promise<void> }>): Promise<number[]> {
  const agent = await startAgent({ firstRunWatchlist: true, workers: 3, ...options });
  try {
    return await coldLoads(agent.url, loads, browsers);
  } finally {
    for (const browser of browsers.splice(0)) await browser.close();
    await stopAgent(agent);
  }
}

interface Steady {
  ids: string[];
  ticksPerSecond: number;
  coldBusyMs: number[];
  frameMs: Record<string, number | Record<string, number>>;
  longTasksOver50Ms: { count: number; maxMs: number; target: number };
  longFrames: string[];
  heapMb: Record<string, number | number[]>;
}

/**
 * An agent with `instruments` ticking at 2 Hz in one watchlist; `page` (the dashboard's market
 * watch with a chart, or the floor) recorded for `seconds`. With `loads`, cold loads first.
 */
async function steadyState(page: 'dashboard' | 'floor', instruments: number, seconds: number, loads: number, browsers: Array<{ close(): Promise<void> }>): Promise<Steady> {
  const floor = page === 'floor' ? { dashboardDir: join(process.cwd(), 'bench', 'ui-floor') } : {};
  const agent = await startAgent({ simInstruments: Math.max(0, instruments - SIM_BASE_INSTRUMENTS), simTicksPerSecond: 2, workers: 3, ...floor });
  try {
    const { instruments: listedInstruments } = await api<{ instruments: Array<{ id: string }> }>(agent.url, 'GET', `/api/v1/instruments?limit=${instruments}`);
    const ids = listedInstruments.map((instrument) => instrument.id).slice(0, instruments);
    await api(agent.url, 'POST', '/api/v1/ticker/subscriptions', { instruments: ids, mode: 'full' });
    await api(agent.url, 'POST', '/api/v1/watchlists', { name: `Bench ${ids.length}`, instruments: ids });
    log(`${page}: ${ids.length} instruments subscribed in full mode at 2 ticks/s, in one watchlist`);

    const coldBusyMs = loads > 0 ? await coldLoads(agent.url, loads, browsers) : [];
    if (loads > 0) log(`cold load with ${ids.length} instruments ticking: ${coldBusyMs.join(', ')} ms`);

    const browser = await launchChromium();
    browsers.push(browser);
    const tab = await browser.context.newPage();
    await signIn(tab, agent.url);
    await tab.goto(page === 'floor' ? agent.url : `${agent.url}/#/market?i=${encodeURIComponent(ids[2] ?? ids[0]!)}`);
    await tab.waitForFunction(firstPrice, undefined, { timeout: 30_000 });
    if (page === 'dashboard') await tab.waitForFunction(chartDrawn, undefined, { timeout: 30_000 });
    const cdp = await browser.context.newCDPSession(tab);
    const heapMb = async (collect: boolean) => {
      if (collect) await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      return round(usedSize / 1048576, 2);
    };
    await tab.waitForTimeout(2_000);
    const heapStart = await heapMb(true);
    await tab.evaluate(record);
    const samples: Array<[number, number]> = [];
    const started = Date.now();
    while (Date.now() - started < seconds * 1000) {
      await tab.waitForTimeout(Math.min(5_000, seconds * 1000 - (Date.now() - started)));
      samples.push([(Date.now() - started) / 60_000, await heapMb(false)]);
    }
    const recorded = await tab.evaluate(() => window.__bench!);
    const heapEnd = await heapMb(true);
    const ticker = await api<{ ticksPerSecond: number }>(agent.url, 'GET', '/api/v1/ticker');
    await browser.close();
    browsers.pop();
    // The first frame's delta counts from the recorder's start, not a frame: dropped.
    const frames = recorded.frames.slice(1).sort((a, b) => a - b);
    // Least squares over the samples: MB per minute (collection noise makes single samples jump).
    const n = samples.length;
    const meanX = samples.reduce((sum, [x]) => sum + x, 0) / n;
    const meanY = samples.reduce((sum, [, y]) => sum + y, 0) / n;
    const slope = samples.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / Math.max(1e-9, samples.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0));
    const steady: Steady = {
      ids,
      ticksPerSecond: Math.round(ticker.ticksPerSecond),
      coldBusyMs,
      frameMs: {
        p50: round(percentile(frames, 50), 2),
        p95: round(percentile(frames, 95), 2),
        p99: round(percentile(frames, 99), 2),
        max: round(frames[frames.length - 1] ?? 0, 2),
        frames: frames.length,
        dropped: frames.filter((ms) => ms > 25).length,
        target: { p95: 16.7 },
      },
      longTasksOver50Ms: { count: recorded.longTasks.filter((duration) => duration > 50).length, maxMs: round(Math.max(0, ...recorded.longTasks)), target: 0 },
      longFrames: recorded.longFrames.slice(0, 10),
      // start and end after a forced collection; `sampled` every 5 s without one (garbage included).
      heapMb: { start: heapStart, end: heapEnd, growthMbPerMinute: round((heapEnd - heapStart) / (seconds / 60), 3), sampled: samples.map(([, y]) => y), sampledTrendMbPerMinute: round(slope, 3) },
    };
    log(`${page} for ${seconds} s: frame p95 ${steady.frameMs.p95} ms, ${steady.frameMs.dropped} dropped, ${steady.longTasksOver50Ms.count} long tasks`);
    return steady;
  } finally {
    await stopAgent(agent);
  }
}

export async function runUiBench(): Promise<Record<string, unknown>> {
  const instruments = knob('BENCH_UI_INSTRUMENTS', 500);
  const seconds = knob('BENCH_UI_SECONDS', 60);
  const loads = knob('BENCH_UI_LOADS', 3);
  const dashboard = join(process.cwd(), 'dist', 'renderer');
  const bundle = bundleSize(dashboard);
  log(`bundle: ${bundle.files} files, ${bundle.rawKb} KB, ${bundle.gzipKb} KB gzipped`);

  const browsers: Array<{ close(): Promise<void> }> = [];
  try {
    // What a new user opens: a fresh agent with the first run's NIFTY 50 watchlist ticking.
    const coldMs = await coldLoadsOfFreshAgent({}, loads, browsers);
    log(`cold load of a fresh agent to the first live price: ${coldMs.join(', ')} ms`);
    // The floor, in the same conditions: a fresh agent serving the one-cell page instead.
    const floorMs = await coldLoadsOfFreshAgent({ dashboardDir: join(process.cwd(), 'bench', 'ui-floor') }, loads, browsers);
    log(`the floor (a one-cell page, no framework) on a fresh agent: ${floorMs.join(', ')} ms`);
    // The same steady state on the floor page: what this machine gives any page taking this
    // stream (its frame jitter, and long tasks from the browser and the agent sharing the CPU).
    const floorSteady = await steadyState('floor', instruments, seconds, 0, browsers);
    const steady = await steadyState('dashboard', instruments, seconds, loads, browsers);
    const { ids, ticksPerSecond, coldBusyMs, ...measured } = steady;
    return {
      bench: 'ui',
      instruments: ids.length,
      seconds,
      agentTicksPerSecond: ticksPerSecond,
      coldLoadToFirstPriceMs: { median: median(coldMs), runs: coldMs, target: 1500 },
      coldLoadFloorMs: { median: median(floorMs), runs: floorMs, dashboardToFloor: round(median(coldMs) / median(floorMs), 2) },
      coldLoadWith500TickingMs: { median: median(coldBusyMs), runs: coldBusyMs },
      ...measured,
      floorSteady: { frameMs: floorSteady.frameMs, longTasksOver50Ms: floorSteady.longTasksOver50Ms, longFrames: floorSteady.longFrames },
      bundle,
    };
  } finally {
    for (const browser of browsers) await browser.close();
  }
}
