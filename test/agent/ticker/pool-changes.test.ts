/** Worker-pool changes that go wrong: a broker that refuses the new connection, a stop mid-change. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimTickerServer } from '../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../agent/market/sim/universe';
import { ChildProcessHost } from '../../../agent/process/child-process-host';
import type { HostedProcess, ProcessHost, SpawnOptions } from '../../../agent/process/process-host';
import { WorkerTickLink } from '../../../agent/ticker/tick-link-listener';
import type { FromWorker, ToWorker } from '../../../agent/ticker/worker-protocol';
import { encodePacket } from '../../../shared/kite-packet';
import type { ApiError } from '../../../shared/errors';
import { startTestAgent, waitFor } from '../../helpers/test-agent';
import { sleep } from '../../helpers/wait';

/** The real host, counting what it started and what has ended. */
class CountingHost implements ProcessHost {
  readonly started: HostedProcess[] = [];
  readonly ended = new Set<HostedProcess>();
  private readonly real = new ChildProcessHost();

  spawn(modulePath: string, options: SpawnOptions): HostedProcess {
    const proc = this.real.spawn(modulePath, options);
    this.started.push(proc);
    proc.onExit(() => this.ended.add(proc));
    return proc;
  }
}

test('a new worker the broker refuses leaves the pool as it was', async (t) => {
  const universe = buildUniverse({ generated: 30 });
  // The broker allows 2 connections; the agent believes it may open 3.
  const broker = await startSimTickerServer({ universe, apiKey: 'key', accessToken: 'secret', ticksPerSecond: 10, limits: { connectionsPerKey: 2 } });
  t.after(() => broker.close());
  const agent = await startTestAgent({
    simInstruments: 30,
    workers: 2,
    feed: { url: broker.url, apiKey: 'key', accessToken: 'secret' },
  });
  t.after(() => agent.stop());
  const ids = (await agent.api.call('listInstruments', { search: 'SIM', limit: 30 })).instruments.map((i) => i.id);
  const before = await agent.api.call('subscribe', { instruments: ids, mode: 'quote' });
  const startedAt = Date.now();
  await assert.rejects(agent.api.call('setWorkers', { count: 3 }), (error: ApiError) => {
    assert.equal(error.code, 'unavailable');
    assert.match(error.message, /429|too many/i);
    return true;
  });
  assert.ok(Date.now() - startedAt < 15_000);
  const after = await agent.api.call('getTicker');
  assert.deepEqual(after.workers.map((w) => [w.id, w.pid]), before.workers.map((w) => [w.id, w.pid]));
  assert.deepEqual(after.subscriptions.map((s) => [s.instrument, s.worker]), before.subscriptions.map((s) => [s.instrument, s.worker]));
  await waitFor('every instrument to tick', async () => {
    const state = await agent.api.call('getTicker');
    return state.subscriptions.every((s) => s.lastTickAt !== null && !s.stale) ? state : undefined;
  });
});

test('stopping the agent in the middle of worker-count changes leaves no process behind', async () => {
  const host = new CountingHost();
  const agent = await startTestAgent({ processHost: host, workers: 1 });
  // Requests cut off by the stop fail; what matters is what is left running.
  const changes = [3, 2, 3].map((count) => agent.api.call('setWorkers', { count }).catch((error: Error) => error));
  await sleep(50);
  await agent.stop();
  await Promise.all(changes);
  await sleep(300);
  assert.ok(host.started.length >= 2, 'workers and the market were started');
  const running = host.started.filter((p) => !host.ended.has(p)).map((p) => p.pid);
  assert.deepEqual(running, [], 'every process the agent started has ended');
});

test('a worker that hangs (alive but silent) is shown unresponsive, replaced once hangAfterMs is up, and its instruments tick again', async (t) => {
  const hangAfterMs = 4000; // shown unresponsive from 2 s of silence on
  const agent = await startTestAgent({ workers: 2, workerHangAfterMs: hangAfterMs });
  t.after(() => agent.stop());
  await agent.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:SBIN', 'NSE:ITC'], mode: 'ltp' });
  const before = await waitFor('both workers to be ready', async () => {
    const state = await agent.api.call('getTicker');
    return state.workers.every((w) => w.state === 'ready') ? state : undefined;
  }, 20_000);
  const victim = before.workers[0]!;
  const stoppedAt = Date.now();
  process.kill(victim.pid!, 'SIGSTOP'); // frozen: no exit, no messages
  t.after(() => {
    try {
      process.kill(victim.pid!, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  });
  const seen = new Set<string>();
  const replacedAt = await waitFor('the hung worker to be replaced', async () => {
    const state = await agent.api.call('getTicker');
    const slot = state.workers.find((w) => w.id === victim.id)!;
    if (slot.pid !== victim.pid) return Date.now();
    seen.add(slot.state);
    return undefined;
  }, 10_000);
  assert.ok(seen.has('unresponsive'), `the hung worker was shown as ${[...seen].join(', ')}, never unresponsive`);
  // Its silence began at its last report, before the stop: the kill lands by hangAfterMs + 250 ms.
  assert.ok(replacedAt - stoppedAt <= hangAfterMs + 1000, `replaced ${replacedAt - stoppedAt} ms after it stopped`);
  const replaced = await waitFor('the replacement to connect', async () => {
    const state = await agent.api.call('getTicker');
    return state.workers.find((w) => w.id === victim.id)!.state === 'ready' ? state : undefined;
  }, 20_000);
  assert.equal(replaced.workers.find((w) => w.id === victim.id)!.restarts, victim.restarts + 1);
  assert.equal(replaced.workers[1]!.pid, before.workers[1]!.pid, 'the healthy worker was not touched');
  const since = Date.now();
  await waitFor('its instruments to tick again', async () => {
    const state = await agent.api.call('getTicker');
    return state.subscriptions.every((s) => s.lastTickAt !== null && Date.parse(s.lastTickAt) > since) ? true : undefined;
  }, 10_000);
});

/** The real host, except that the first ticker worker never gets its `init`: the test takes its place. */
class ImpostorHost implements ProcessHost {
  first: { proc: HostedProcess; link: { path: string; key: string }; tell: (message: FromWorker) => void } | undefined;
  private readonly real = new ChildProcessHost();

  spawn(modulePath: string, options: SpawnOptions): HostedProcess {
    const proc = this.real.spawn(modulePath, options);
    if (this.first || !options.name.startsWith('ticker-worker')) return proc;
    const listeners: Array<(message: unknown) => void> = [];
    const held = { proc, link: { path: '', key: '' }, tell: (message: FromWorker) => listeners.forEach((l) => l(message)) };
    this.first = held;
    return {
      get pid() {
        return proc.pid;
      },
      send: (message) => {
        const m = message as ToWorker;
        if (m.type !== 'init') return proc.send(message);
        held.link = m.link;
        return true;
      },
      onMessage: (listener) => {
        listeners.push(listener);
        proc.onMessage(listener);
      },
      onExit: (listener) => proc.onExit(listener),
      kill: (signal) => proc.kill(signal),
    };
  }
}

test("ticks on a worker's link are routed; a malformed frame ends the link and the worker is replaced", async (t) => {
  const host = new ImpostorHost();
  const agent = await startTestAgent({ processHost: host, workers: 1, workerHangAfterMs: 60_000 });
  t.after(() => agent.stop());
  await agent.api.call('subscribe', { instruments: ['NSE:INFY'], mode: 'ltp' });
  const impostor = host.first!;
  const { accepted } = await WorkerTickLink.listen(impostor.link.path, impostor.link.key, { pause: () => undefined, resume: () => undefined });
  impostor.tell({ type: 'link-listening' }); // as a worker would, once listening
  const link = await accepted;

  const frame = new Uint8Array(2 + 2 + 8);
  const view = new DataView(frame.buffer);
  view.setUint16(0, 1);
  view.setUint16(2, 8);
  encodePacket(view, 4, 'ltp', {
    token: 408065, lastPrice: 1234.5, lastQuantity: 0, averagePrice: 0, volume: 0, totalBuyQuantity: 0, totalSellQuantity: 0,
    open: 0, high: 0, low: 0, close: 0, lastTradeTime: 0, oi: 0, oiDayHigh: 0, oiDayLow: 0, exchangeTimestamp: 0, depth: [],
  });
  link.send(frame, Date.now());
  const quote = await waitFor('the tick sent on the link', async () => (await agent.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY']);
  assert.equal(quote.lastPrice, 1234.5);

  const exited = new Promise<void>((resolve) => impostor.proc.onExit(() => resolve()));
  const broken = frame.slice();
  new DataView(broken.buffer).setUint16(0, 2); // claims two packets, holds one
  const brokeAt = Date.now();
  link.send(broken, brokeAt);
  await exited; // without the bad frame nothing would end it for a minute
  const state = await waitFor('a working replacement', async () => {
    const s = await agent.api.call('getTicker');
    const infy = s.subscriptions.find((x) => x.instrument === 'NSE:INFY');
    const fresh = infy?.lastTickAt && Date.parse(infy.lastTickAt) > brokeAt; // ticked by the replacement
    return s.workers[0]!.restarts === 1 && s.workers[0]!.pid !== impostor.proc.pid && fresh ? s : undefined;
  });
  assert.equal(state.workers[0]!.state, 'ready');
});
