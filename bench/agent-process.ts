/** Runs an agent in its own process for a benchmark: options as JSON in argv[2]. */
import { PerformanceObserver } from 'node:perf_hooks';
import pino from 'pino';
import { type AgentHooks, type AgentOptions, startAgent } from '../agent/agent';

/** The agent's garbage-collection pauses since the parent last asked ({type:'gc'}). */
const gc = { ms: 0, maxMs: 0, count: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
    gc.count++;
  }
}).observe({ entryTypes: ['gc'] });

// A benchmark that brings its own source names it as `feed`, a hook rather than a user option;
// `liveCandles: false` keeps ticks out of the candle store (the baseline of the persistence cost).
const { feed, liveCandles, ...options } = JSON.parse(process.argv[2]!) as AgentOptions & Pick<AgentHooks, 'feed'> & { liveCandles?: boolean };
const agent = await startAgent(
  { ...options, log: pino({ level: 'warn' }) },
  { ...(feed ? { feed } : {}), ...(liveCandles === false ? { candles: { live: false } } : {}) },
);
process.send?.({ type: 'ready', url: agent.url, simMarketPid: agent.simMarket?.pid ?? null });
if (process.env.BENCH_MEMORY) {
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1048576);
    console.error(`memory: rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}`);
  }, 2000).unref();
}
process.on('message', (message: { type?: string }) => {
  if (message.type === 'stop') void agent.stop().then(() => process.exit(0));
  if (message.type === 'gc') {
    process.send?.({ type: 'gc', ...gc });
    Object.assign(gc, { ms: 0, maxMs: 0, count: 0 });
  }
});
