/**
 * `npm run bench -- sdk`: an algo's view of the agent through the SDK, TypeScript and Python.
 * A real agent (its own process, the simulated market) carries BENCH_SDK_INSTRUMENTS (1,000)
 * instruments at 2 ticks/s each; an algo process (`sdk-algo.ts`, `sdk_algo.py`) subscribes all of
 * them through its SDK and measures, for BENCH_SDK_SECONDS (10) after 3 s of warm-up:
 * - tick delivery: from the tick reaching the agent's worker (`receivedAt`) to the algo's loop
 *   body, p50 / p99 (targets: TypeScript p99 ≤ 5 ms, Python p99 ≤ 20 ms), and the algo
 *   process's CPU;
 * - then BENCH_SDK_ORDERS (300) orders one at a time: place → accepted and filled (paper broker).
 * The two languages run one after the other against the same agent.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, FROM_SOURCE, here, knob, sleep, startAgent, stopAgent, TOKEN } from './bench-processes';

const log = (text: string) => process.stderr.write(`[sdk] ${text}\n`);
const root = fileURLToPath(new URL(FROM_SOURCE ? '..' : '../..', import.meta.url));

interface Quantiles {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  n: number;
}

/** What an algo process reports: its figures, summed up by itself. */
interface AlgoRun {
  ticks: number;
  seconds: number;
  delivery: Quantiles;
  cpuPercent: number;
  order: Quantiles;
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
const rounded = (q: Quantiles): Quantiles => ({ p50Ms: round3(q.p50Ms), p99Ms: round3(q.p99Ms), maxMs: round3(q.maxMs), n: q.n });

/** Runs one algo process to its end; its last JSON line. */
function runAlgo(command: string, args: string[], env: Record<string, string>): Promise<AlgoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').reverse().find((l) => l.includes('"delivery"'));
      if (code !== 0 || !line) reject(new Error(`${command} ${args[0]} exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as AlgoRun);
    });
  });
}

export async function runSdkBench(): Promise<Record<string, unknown>> {
  const count = knob('BENCH_SDK_INSTRUMENTS', 1000);
  const seconds = knob('BENCH_SDK_SECONDS', 10);
  const orders = knob('BENCH_SDK_ORDERS', 300);
  const agent = await startAgent({ workers: 1, simInstruments: count, simTicksPerSecond: 2 });
  const folder = mkdtempSync(join(tmpdir(), 'algodeck-bench-sdk-'));
  try {
    const { instruments } = await api<{ instruments: Array<{ id: string }> }>(agent.url, 'GET', `/api/v1/instruments?search=NSE:SIM&limit=${count}`);
    const ids = instruments.map((i) => i.id);
    if (ids.length < count) throw new Error(`the simulated market lists ${ids.length} instruments, not ${count}`);
    await api(agent.url, 'POST', '/api/v1/ticker/subscriptions', { instruments: ids, mode: 'quote' });
    await sleep(2000);
    const file = join(folder, 'instruments.txt');
    writeFileSync(file, ids.join('\n'));
    const env = { ALGODECK_URL: agent.url, ALGODECK_TOKEN: TOKEN };
    const figures: Record<string, unknown> = { bench: 'sdk', instruments: count, ticksPerSecondEach: 2 };
    const languages = [
      // No SDK: a bare websocket and bare HTTP, for what the agent and this machine take alone.
      { name: 'floor', target: 0, command: process.execPath, args: [...(FROM_SOURCE ? ['--import', 'tsx'] : []), here('sdk-floor'), file, String(seconds), String(orders)], env },
      { name: 'typescript', target: 5, command: process.execPath, args: [...(FROM_SOURCE ? ['--import', 'tsx'] : []), here('sdk-algo'), file, String(seconds), String(orders)], env: { ...env, ALGODECK_ALGO: 'bench-ts' } },
      { name: 'python', target: 20, command: 'python3', args: [join(root, 'bench/sdk_algo.py'), file, String(seconds), String(orders)], env: { ...env, ALGODECK_ALGO: 'bench-py', PYTHONPATH: join(root, 'sdk/python') } },
    ];
    let floor: { delivery: Quantiles; order: Quantiles } | null = null;
    for (const language of languages) {
      const run = await runAlgo(language.command, language.args, language.env);
      const delivery = rounded(run.delivery);
      const roundTrip = rounded(run.order);
      const perSecond = Math.round(run.ticks / run.seconds);
      if (language.name === 'floor') {
        floor = { delivery, order: roundTrip };
        figures.floor = { ticksPerSecond: perSecond, delivery, cpuPercent: Math.round(run.cpuPercent * 10) / 10, order: roundTrip };
        log(`floor (no SDK): ${perSecond} ticks/s, delivery p50 ${delivery.p50Ms} ms p99 ${delivery.p99Ms} ms, CPU ${run.cpuPercent.toFixed(1)} %, order round trip p50 ${roundTrip.p50Ms} ms p99 ${roundTrip.p99Ms} ms`);
        continue;
      }
      const over = (a: Quantiles, b: Quantiles | undefined) => (b ? { p50Ms: round3(a.p50Ms - b.p50Ms), p99Ms: round3(a.p99Ms - b.p99Ms) } : null);
      figures[language.name] = {
        ticksPerSecond: perSecond,
        delivery: { ...delivery, target: { p99Ms: language.target, met: delivery.p99Ms <= language.target }, overFloor: over(delivery, floor?.delivery) },
        algoCpuPercent: Math.round(run.cpuPercent * 10) / 10,
        order: { ...roundTrip, overFloor: over(roundTrip, floor?.order) },
      };
      log(`${language.name}: ${perSecond} ticks/s, delivery p50 ${delivery.p50Ms} ms p99 ${delivery.p99Ms} ms (target ${language.target}), the algo's CPU ${run.cpuPercent.toFixed(1)} %, order round trip p50 ${roundTrip.p50Ms} ms p99 ${roundTrip.p99Ms} ms`);
    }
    return figures;
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await stopAgent(agent);
  }
}
