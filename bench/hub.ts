/**
 * `npm run bench -- hub`: the tick hub's routing cost per tick, in process, at the ticker's
 * ceiling shape: 9,000 instruments in full mode from 3 workers, in frames as the simulated market
 * sends them (one per worker every 25 ms, each instrument ticking about twice a second with
 * jitter), routed to 20 binary consumers of 900 random instruments and one of every instrument,
 * whose sinks give each buffer back at once. Two hubs fed alike are timed side by side: one
 * without observers, one with the candles service's observer (every tick into the 1-minute
 * aggregator). They take turns a few market turns at a time, so load from elsewhere
 * falls on both, and the figures are CPU time per tick over each round: median, min and max.
 *
 * A market turn publishes one frame per worker and flushes, as the agent does per event-loop
 * turn. The cost includes the copy into the latest-tick store, the consumers' frames and the
 * observer, not the supervisor's own pass over the frame.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { KiteFrameBuilder } from '../agent/market/sim/frame-builder';
import { PriceProcess, SeededRandom, createPacketFields } from '../agent/market/sim/price-process';
import { buildUniverse, listed } from '../agent/market/sim/universe';
import { type Channel, type ConsumerSink, TickHub, type TickObserver } from '../agent/ticker/tick-hub';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candleObserver } from '../agent/candles/candle-observer';
import { CandleStore } from '../agent/candles/candle-store';
import { LiveCandles } from '../agent/candles/live-candles';
import { InstrumentRegistry } from '../agent/instruments/instrument-registry';
import { InstrumentStore } from '../agent/instruments/instrument-store';
import { AgentDb } from '../agent/store/agent-db';
import { pick } from './pick';
import { round } from './proc-stats';

const log = (text: string) => process.stderr.write(`[hub] ${text}\n`);

const INSTRUMENTS = 9000;
const WORKERS = 3;
const ALGOS = 20;
const ALGO_INSTRUMENTS = 900;
const TICKS_PER_SECOND = 2;
const FRAME_MS = 25;
/** Seconds of market built up front and replayed: enough for varied frames, small enough to hold. */
const MARKET_SECONDS = 4;
/** Turns timed at a stretch (about 2 ms of work): long against reading the CPU clock, short against load from elsewhere. */
const TURNS_PER_CHUNK = 8;

/** One worker's Kite frame, and the token, offset and length of each packet in it. */
interface Frame {
  bytes: Uint8Array;
  tokens: Int32Array;
  offsets: Int32Array;
  lengths: Int32Array;
}

/**
 * Each worker's frames, turn by turn, scheduled as the simulated market schedules ticks: each
 * instrument again 0.5–1.5 intervals after its last tick, in the order they came due.
 */
function buildMarket(): Frame[][] {
  const universe = buildUniverse({ generated: INSTRUMENTS }).filter((i) => i.id.startsWith('NSE:SIM'));
  const processes = universe.map((instrument) => new PriceProcess(instrument, 1));
  const random = new SeededRandom(7);
  const intervalMs = 1000 / TICKS_PER_SECOND;
  const due = universe.map(() => random.next() * intervalMs);
  const fields = createPacketFields();
  const builders = Array.from({ length: WORKERS }, () => new KiteFrameBuilder());
  const start = Date.UTC(2025, 10, 25, 4, 0); // 09:30 IST: a busy hour
  const turns: Frame[][] = [];
  for (let now = FRAME_MS; now <= MARKET_SECONDS * 1000; now += FRAME_MS) {
    const firing: Array<[index: number, at: number]> = [];
    for (let i = 0; i < universe.length; i++) {
      while (due[i]! <= now) {
        firing.push([i, due[i]!]);
        due[i]! += intervalMs * (0.5 + random.next());
      }
    }
    firing.sort((a, b) => a[1] - b[1]);
    for (const [index, at] of firing) {
      processes[index]!.step(start + at, fields);
      builders[Math.floor((index * WORKERS) / universe.length)]!.append('full', fields);
    }
    turns.push(builders.map((builder) => frameOf(builder.take()!.slice())));
  }
  return turns;
}

function ticksIn(turn: Frame[]): number {
  return turn.reduce((n, frame) => n + frame.offsets.length, 0);
}

function frameOf(bytes: Uint8Array): Frame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(0);
  const frame = { bytes, tokens: new Int32Array(count), offsets: new Int32Array(count), lengths: new Int32Array(count) };
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = view.getUint16(at);
    frame.tokens[i] = view.getInt32(at + 2);
    frame.offsets[i] = at + 2;
    frame.lengths[i] = length;
    at += 2 + length;
  }
  return frame;
}


/** A socket that writes everything at once: each frame's buffer goes straight back to the hub. */
class ReturningSink implements ConsumerSink {
  readonly format = 'binary' as const;
  bytes = 0;
  send(data: Uint8Array | string, written?: () => void): void {
    this.bytes += data.length;
    written?.();
  }
  bufferedAmount(): number {
    return 0;
  }
}

/** The candles service's observer, with live candles over a store in a scratch file (minutes are closed by ticks, never written). */
function candles(): { observer: TickObserver; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-bench-hub-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  const universe = buildUniverse({ generated: INSTRUMENTS }).map(listed);
  const instruments = new InstrumentStore(db.db);
  instruments.sync(universe);
  const registry = new InstrumentRegistry(instruments.listed());
  const live = new LiveCandles({ store: new CandleStore(db.db), instrumentOf: (t) => registry.byTokenOf(t), keyOf: (id) => instruments.keyOf(id) });
  return {
    observer: candleObserver(live),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A hub with the ceiling's consumers, and the channel of each packet of the market, as the supervisor holds them. */
function hubFor(market: Frame[][], observer?: TickObserver) {
  const hub = new TickHub({ nameOf: (token) => `TOKEN:${token}` });
  const tokens = [...new Set(market.flatMap((turn) => turn.flatMap((frame) => [...frame.tokens])))];
  const channelOf = new Map(tokens.map((token) => [token, hub.channel(token)]));
  hub.subscribe(hub.addConsumer(new ReturningSink()), 'all');
  for (let algo = 1; algo <= ALGOS; algo++) hub.subscribe(hub.addConsumer(new ReturningSink()), pick(tokens, ALGO_INSTRUMENTS, algo));
  if (observer) hub.observe(observer);
  const channels = market.map((turn) => turn.map((frame) => Array.from(frame.tokens, (token) => channelOf.get(token)!)));
  return { hub, channels };
}

/**
 * Publishes `turns` turns of the market from turn `from` (a frame per worker, then a flush, as
 * per event-loop turn in the agent) and returns the CPU time it took, in ns. CPU time rather than
 * wall time: on a shared machine a process is often descheduled mid-measurement.
 */
function timeTurns(hub: TickHub, market: Frame[][], channels: Channel[][][], from: number, turns: number): number {
  const started = process.cpuUsage();
  for (let t = from; t < from + turns; t++) {
    const index = t % market.length;
    const turn = market[index]!;
    for (let w = 0; w < turn.length; w++) {
      const frame = turn[w]!;
      const frameChannels = channels[index]![w]!;
      hub.beginFrame(frame.bytes, 1000 + t);
      for (let i = 0; i < frame.offsets.length; i++) hub.tick(frameChannels[i]!, frame.offsets[i]!, frame.lengths[i]!);
      hub.endFrame();
    }
    hub.flush();
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) * 1000;
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function summary(nsPerTick: number[]) {
  const ns = sorted(nsPerTick);
  return { nsPerTick: round(ns[ns.length >> 1]!, 1), min: round(ns[0]!, 1), max: round(ns.at(-1)!, 1) };
}

export async function runHubBench(): Promise<Record<string, unknown>> {
  // BENCH_HUB_ROUNDS: measured rounds per variant; BENCH_HUB_SECONDS: seconds of market per round.
  const rounds = Number(process.env.BENCH_HUB_ROUNDS ?? 15);
  const turnsPerRound = TURNS_PER_CHUNK * Math.round((Number(process.env.BENCH_HUB_SECONDS ?? 10) * 1000) / FRAME_MS / TURNS_PER_CHUNK);
  const market = buildMarket();
  const ticksPerTurn = market.reduce((n, turn) => n + ticksIn(turn), 0) / market.length;
  log(`${INSTRUMENTS} instruments, ${round(ticksPerTurn, 0)} ticks a turn (${round((ticksPerTurn * 1000) / FRAME_MS, 0)} ticks/s), ${ALGOS + 1} consumers`);
  const candleService = candles();
  const variants = [
    { name: 'withoutObserver', ...hubFor(market), samples: [] as number[] },
    { name: 'withObserver', ...hubFor(market, candleService.observer), samples: [] as number[] },
  ];
  try {
    let turn = 0;
    for (let r = -2; r < rounds; r++) {
      // Both hubs route the same stretch of market, a few turns at a time, in alternating order,
      // so a burst of load from elsewhere falls on both. The first two rounds warm up.
      const ns = variants.map(() => 0);
      let ticks = 0;
      for (let chunk = 0; chunk < turnsPerRound; chunk += TURNS_PER_CHUNK, turn += TURNS_PER_CHUNK) {
        for (let k = 0; k < variants.length; k++) {
          const v = (chunk / TURNS_PER_CHUNK + k) % variants.length;
          const variant = variants[v]!;
          ns[v]! += timeTurns(variant.hub, market, variant.channels, turn, TURNS_PER_CHUNK);
          await nextTurn(); // the flushes the hub scheduled run here, finding nothing left to send
        }
        for (let t = turn; t < turn + TURNS_PER_CHUNK; t++) ticks += ticksIn(market[t % market.length]!);
      }
      if (r >= 0) variants.forEach((variant, v) => variant.samples.push(ns[v]! / ticks));
    }
  } finally {
    for (const variant of variants) variant.hub.close();
    candleService.close();
  }
  const without = summary(variants[0]!.samples);
  const withObserver = summary(variants[1]!.samples);
  // Each round's pair ran back to back: their ratio is the steadiest measure of what the observer adds.
  const pairRatios = sorted(variants[1]!.samples.map((ns, i) => ns / variants[0]!.samples[i]!));
  const result = {
    bench: 'hub',
    instruments: INSTRUMENTS,
    consumers: ALGOS + 1,
    ticksPerTurn: round(ticksPerTurn, 0),
    ticksPerRound: round(ticksPerTurn * turnsPerRound, 0),
    rounds,
    withoutObserver: without,
    withObserver,
    /** Median with observer over median without. */
    ratio: round(withObserver.nsPerTick / without.nsPerTick, 3),
    /** Median, min and max of the rounds' ratios. */
    roundRatio: { median: round(pairRatios[pairRatios.length >> 1]!, 3), min: round(pairRatios[0]!, 3), max: round(pairRatios.at(-1)!, 3) },
  };
  return result;
}
