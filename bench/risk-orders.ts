/**
 * `npm run bench -- risk`, its `orders` and `kill` parts: orders through a real hub agent (its own
 * process, the simulated market, 20 instruments in full mode, no limits in the way), from this
 * process as a client on loopback (node:http, keep-alive):
 * - `hub`: `POST /api/v1/orders` at the hub, one at a time (BENCH_RISK_ORDERS, 2000, after 200 of
 *   warm-up): written, checked, booked, sent to the paper broker, answered with its state. MARKET
 *   orders of quantity 1, buys and sells in turn over 10 algos × 20 instruments, so positions stay
 *   small and every order fills. Target p99 ≤ 5 ms. Measured before any member runs here (a
 *   hub's members are other machines). Each order is followed by a request that does nothing
 *   (`POST /api/v1/quotes` of one instrument): `floor`, this machine's loopback HTTP with the
 *   same noise, and `overFloor`, the order path's own cost beside it.
 * - `viaMember`: the same from a member agent (`--join` the hub, no market of its own), started
 *   after: the member asks the hub over the fleet link, as an algo on another machine does.
 * - `sustained`: BENCH_RISK_CONCURRENCY (8) clients in flight at the hub for BENCH_RISK_SECONDS
 *   (5): orders a second, and the latency under that load.
 * - `kill`: BENCH_RISK_KILLS (5) rounds of 200 resting LIMIT orders (far from the market) at the
 *   hub, then `POST /api/v1/risk/kill-switch {"engage":true}` timed from request to answer: the
 *   answer comes once everything is HALTED and every order cancelled (checked). Target ≤ 100 ms.
 */
import { Agent as HttpAgent } from 'node:http';
import type { Tick } from '../shared/tick';
import { type BenchAgent, knob, message, sleep, startAgent, stopAgent, timedCallWithBody, TOKEN } from './bench-processes';

const log = (text: string) => process.stderr.write(`[risk] ${text}\n`);
const JOIN_TOKEN = 'bench-join-token-risk-0123456789';
const INSTRUMENTS = Array.from(
  ['INFY', 'TCS', 'RELIANCE', 'HDFCBANK', 'ICICIBANK', 'SBIN', 'ITC', 'LT', 'AXISBANK', 'KOTAKBANK', 'HINDUNILVR', 'BHARTIARTL', 'MARUTI', 'SUNPHARMA', 'TITAN', 'WIPRO', 'ULTRACEMCO', 'NESTLEIND', 'ASIANPAINT', 'BAJFINANCE'],
  (s) => `NSE:${s}`,
);
const WARM_UP = 200;
const KILL_ORDERS = 200;

interface Latency {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  n: number;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function latency(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), n: sorted.length };
}

/** The i-th order of a stream: buys and sells in turn, so each (algo, instrument) stays near flat. */
function marketOrder(i: number, prefix: string): string {
  const algo = `${prefix}${i % 10}`;
  const instrument = INSTRUMENTS[Math.floor(i / 10) % INSTRUMENTS.length]!;
  const side = Math.floor(i / 200) % 2 === 0 ? 'BUY' : 'SELL';
  return JSON.stringify({ algo, instrument, side, quantity: 1, type: 'MARKET' });
}

export async function runOrderPathBench(parts: Set<string>): Promise<Record<string, unknown>> {
  const orders = knob('BENCH_RISK_ORDERS', 2000);
  const concurrency = knob('BENCH_RISK_CONCURRENCY', 8);
  const seconds = knob('BENCH_RISK_SECONDS', 5);
  const kills = knob('BENCH_RISK_KILLS', 5);
  const http = new HttpAgent({ keepAlive: true, maxSockets: concurrency + 2 });
  const agents: BenchAgent[] = [];
  const figures: Record<string, unknown> = {};
  try {
    const hub = await startAgent({ workers: 1, simTicksPerSecond: 2, name: 'hub', fleet: { hub: true, joinToken: JOIN_TOKEN } });
    agents.push(hub);
    const post = (url: string, path: string, body: string) => timedCallWithBody(http, url, 'POST', path, TOKEN, body);
    await post(hub.url, '/api/v1/ticker/subscriptions', JSON.stringify({ instruments: INSTRUMENTS, mode: 'full' }));
    const quotes = await waitForQuotes(hub.url);
    log(`hub up with prices of ${INSTRUMENTS.length} instruments`);

    if (parts.has('orders')) {
      // The hub alone first, as in production (its members are other machines): each order is
      // followed by a request that does nothing (a quote), the floor of this machine's loopback
      // HTTP, so noise from elsewhere falls on both alike and the order path's own cost shows.
      await timedOrders(post, hub.url, 'warm-', WARM_UP);
      const hubMs: number[] = [];
      const floorMs: number[] = [];
      const floorBody = JSON.stringify({ instruments: [INSTRUMENTS[0]] });
      await gcOf(hub);
      for (let i = 0; i < orders; i++) {
        hubMs.push((await post(hub.url, '/api/v1/orders', marketOrder(i, 'h-'))).ms);
        floorMs.push((await post(hub.url, '/api/v1/quotes', floorBody)).ms);
      }
      const gc = await gcOf(hub);
      const hubLatency = latency(hubMs);
      const floor = latency(floorMs);
      figures.hub = {
        ...hubLatency,
        target: { p99Ms: 5, met: hubLatency.p99Ms <= 5 },
        floor,
        overFloor: { p50Ms: round(hubLatency.p50Ms - floor.p50Ms), p99Ratio: round(hubLatency.p99Ms / floor.p99Ms) },
        gc: { pauses: gc.count, ms: round(gc.ms), maxMs: round(gc.maxMs) },
      };
      log(`order → paper ack at the hub: p50 ${hubLatency.p50Ms} ms, p99 ${hubLatency.p99Ms} ms; a request that does nothing, in turn with them: p50 ${floor.p50Ms} ms, p99 ${floor.p99Ms} ms`);
      log(`the hub's garbage collection over those ${orders} orders and requests: ${gc.count} pauses, ${gc.ms.toFixed(1)} ms in all, the longest ${gc.maxMs.toFixed(2)} ms`);

      const member = await startAgent({ workers: 1, name: 'member', provider: 'kite', fleet: { join: { url: hub.url, token: JOIN_TOKEN } } });
      agents.push(member);
      await waitForLink(member.url);
      await timedOrders(post, member.url, 'warm-m-', WARM_UP);
      const memberMs = await timedOrders(post, member.url, 'm-', orders);
      figures.viaMember = latency(memberMs);
      log(`from a member (on this machine too): p50 ${latency(memberMs).p50Ms} ms, p99 ${latency(memberMs).p99Ms} ms`);

      const loaded: number[] = [];
      const until = performance.now() + seconds * 1000;
      let sent = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, c) => {
          for (let i = 0; performance.now() < until; i++) {
            loaded.push((await post(hub.url, '/api/v1/orders', marketOrder(i, `s${c}-`))).ms);
            sent++;
          }
        }),
      );
      figures.sustained = { concurrency, seconds, ordersPerSecond: Math.round(sent / seconds), ...latency(loaded) };
      log(`sustained: ${Math.round(sent / seconds)} orders/s with ${concurrency} in flight, p99 ${latency(loaded).p99Ms} ms`);
    }
    if (parts.has('kill')) {
      const times: number[] = [];
      for (let round = 0; round < kills; round++) {
        await Promise.all(
          Array.from({ length: concurrency }, async (_, c) => {
            for (let i = c; i < KILL_ORDERS; i += concurrency) {
              const instrument = INSTRUMENTS[i % INSTRUMENTS.length]!;
              const price = Math.round(quotes.get(instrument)! * 0.5);
              const answer = await post(hub.url, '/api/v1/orders', JSON.stringify({ algo: `k${i % 10}`, instrument, side: 'BUY', quantity: 1, type: 'LIMIT', price }));
              if (!answer.body.includes('"state":"open"')) throw new Error(`a resting order did not rest: ${answer.body.slice(0, 200)}`);
            }
          }),
        );
        const answer = await post(hub.url, '/api/v1/risk/kill-switch', JSON.stringify({ engage: true }));
        const result = JSON.parse(answer.body) as { cancelled: number; risk: { state: { state: string } } };
        if (result.cancelled !== KILL_ORDERS || result.risk.state.state !== 'HALTED') throw new Error(`the kill switch left work: ${answer.body.slice(0, 300)}`);
        times.push(answer.ms);
        await post(hub.url, '/api/v1/risk/kill-switch', JSON.stringify({ engage: false }));
      }
      figures.kill = { openOrders: KILL_ORDERS, rounds: kills, ...latency(times), target: { ms: 100, met: Math.max(...times) <= 100 } };
      log(`kill switch with ${KILL_ORDERS} open orders: p50 ${latency(times).p50Ms} ms, max ${latency(times).maxMs} ms`);
    }
  } finally {
    http.destroy();
    for (const agent of agents.reverse()) await stopAgent(agent);
  }
  return figures;
}

/** `count` orders one after another at `url`; each one's latency. */
async function timedOrders(post: (url: string, path: string, body: string) => Promise<{ ms: number; body: string }>, url: string, prefix: string, count: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) ms.push((await post(url, '/api/v1/orders', marketOrder(i, prefix))).ms);
  return ms;
}

/** The agent's garbage-collection pauses since the last ask. */
async function gcOf(agent: BenchAgent): Promise<{ ms: number; maxMs: number; count: number }> {
  agent.child.send({ type: 'gc' });
  return message(agent.child, 'gc');
}

async function waitForQuotes(url: string): Promise<Map<string, number>> {
  for (let tries = 0; tries < 300; tries++) {
    const response = await fetch(`${url}/api/v1/quotes?instruments=${INSTRUMENTS.join(',')}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const { quotes } = (await response.json()) as { quotes: Record<string, Tick> };
    if (Object.keys(quotes).length === INSTRUMENTS.length) return new Map(Object.entries(quotes).map(([id, tick]) => [id, tick.lastPrice]));
    await sleep(100);
  }
  throw new Error('no prices at the hub within 30 s');
}

async function waitForLink(url: string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    const response = await fetch(`${url}/api/v1/fleet`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (((await response.json()) as { member: { state: string } | null }).member?.state === 'online') return;
    await sleep(100);
  }
  throw new Error('the member did not join the hub within 30 s');
}
