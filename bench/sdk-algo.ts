/**
 * The TypeScript side of `npm run bench -- sdk`: an algo that uses the SDK as an author would.
 * Subscribes the instruments listed in the file `argv[2]`, measures each tick's delay from the
 * agent's worker (`receivedAt`) to here for `argv[3]` seconds after 3 s of warm-up, with this
 * process's CPU over the same window; then places `argv[4]` orders one at a time (place →
 * accepted and filled by the paper broker). Prints one JSON line and exits.
 */
import { readFileSync } from 'node:fs';
import { connect } from '../sdk/ts/src/index';

const instruments = readFileSync(process.argv[2]!, 'utf8').split('\n').filter(Boolean);
const seconds = Number(process.argv[3] ?? 10);
const orders = Number(process.argv[4] ?? 300);
const algo = await connect();
const delays: number[] = [];
let measuring = false;
let ticks = 0;
const warmUp = performance.now() + 3000;
const end = warmUp + seconds * 1000;
let cpuStart = process.cpuUsage();
await new Promise<void>((resolve, reject) => {
  void (async () => {
    for await (const tick of algo.ticks(instruments, { mode: 'quote' })) {
      const now = performance.timeOrigin + performance.now();
      if (!measuring && now - performance.timeOrigin >= warmUp) {
        measuring = true;
        cpuStart = process.cpuUsage();
      }
      if (measuring) {
        delays.push(now - tick.receivedAt);
        ticks++;
      }
      if (now - performance.timeOrigin >= end) break;
    }
    resolve();
  })().catch(reject);
});
const cpu = process.cpuUsage(cpuStart);
const orderMs: number[] = [];
for (let i = 0; i < orders; i++) {
  const started = performance.now();
  const order = await algo.orders.place({ instrument: instruments[i % instruments.length]!, side: i % 2 === 0 ? 'BUY' : 'SELL', quantity: 1, type: 'MARKET' });
  orderMs.push(performance.now() - started);
  if (order.state !== 'filled') throw new Error(`order ${order.id} is ${order.state}`);
}
await algo.close();
const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), n: sorted.length };
};
// The summary only (a line of every delay is too long to trust to a pipe before exit), written before exiting.
const line = `${JSON.stringify({ ticks, seconds, delivery: quantiles(delays), cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100, order: quantiles(orderMs) })}\n`;
process.stdout.write(line, () => process.exit(0));
