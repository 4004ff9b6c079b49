/**
 * `npm run bench -- kite-parse`: packets per second of our Kite decoder against the official
 * `kiteconnect` client's parser, on the same frames, side by side in one run, for LTP (8-byte),
 * quote (44-byte) and full (184-byte) packets.
 *
 * - Frames: BENCH_KITE_FRAMES (40) frames of 100 packets per kind, from the simulated market's
 *   price processes (varied instruments, prices, volumes and books; a tenth of the packets moved
 *   to other segments: NFO and MCX with open interest, BSE, BCD with its 10,000 divisor). The
 *   packets of a frame share their second, as on the feed. LTP frames include the indices.
 * - Ours, like for like (frame bytes → tick objects): `walkKiteFrame` over the frame, each packet
 *   decoded into a `Tick` by `decodePacket`, named through a token → instrument map, as a stream
 *   client does with each frame it receives.
 * - Official: kiteconnect 5.3.x's parser, the function its socket's message handler runs on every
 *   binary message, reached through the public `KiteTicker#parseBinary` (see `officialParser`),
 *   given each frame as its own ArrayBuffer, as its socket would.
 * - Routing (ours, for reference): the agent's hot path decodes no Tick: it walks each frame and
 *   looks up each packet's token and length (the frame router's pass; the hub's copy of the
 *   packets is in `npm run bench -- hub`).
 *
 * Before timing, both parsers decode every frame and must agree field by field (price,
 * quantities, OHLC, change, times, open interest, depth); the benchmark fails if they do not.
 * Timing: a warm-up, then BENCH_KITE_ROUNDS (7) rounds of BENCH_KITE_ROUND_MS (250) ms per
 * parser, the parsers taking turns within a round (in reverse order every other round), so load
 * from elsewhere falls on all of them; figures are the median packets/s with their spread, and
 * `ratio`, ours over the official parser's (of the medians; `ratioSpread` holds each round's).
 * Target: ours ≥ 200× the official parser on full packets (`met`).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { KiteTicker, type FullTick } from 'kiteconnect';
import { KiteFrameBuilder } from '../agent/market/sim/frame-builder';
import { PriceProcess, createPacketFields } from '../agent/market/sim/price-process';
import { buildUniverse, type SimInstrument } from '../agent/market/sim/universe';
import { type KiteFrameFault, type KitePacketVisitor, NOT_A_KITE_FRAME, walkKiteFrame } from '../shared/kite-frame';
import { decodePacket, PACKET_FULL, PACKET_LTP, PACKET_QUOTE, packetLength } from '../shared/kite-packet';
import type { DepthLevel, Tick, TickMode } from '../shared/tick';
import { knob } from './bench-processes';
import { MachineSampler, ProcessSampler, round } from './proc-stats';
import { median, spreadOf } from './spread';

const log = (text: string) => process.stderr.write(`[kite-parse] ${text}\n`);

export const TARGET_FULL_RATIO = 200;
/** The packets measured: LTP of any instrument, quote and full of tradable ones. */
const KINDS: Record<TickMode, number> = { ltp: PACKET_LTP, quote: PACKET_QUOTE, full: PACKET_FULL };

/** One Kite binary frame, as our socket hands it over (`bytes`) and as the official one does (`buffer`): the same memory. */
export interface BenchFrame {
  buffer: ArrayBuffer;
  bytes: Uint8Array;
  packets: number;
}

export interface FrameSet {
  frames: BenchFrame[];
  /** Each packet's instrument, as the agent names it. */
  names: Map<number, string>;
}

/** A tick as the official client returns it (every field beyond the first four only in some modes). */
export type OfficialTick = Pick<FullTick, 'tradable' | 'mode' | 'instrument_token' | 'last_price'> & Partial<FullTick>;

export type Parse<T> = (frame: BenchFrame) => T[];

/** Other segments than NSE's, for a tenth of the packets: their tokens' low byte, and whether they carry open interest. */
const OTHER_SEGMENTS = [
  { segment: 2, oi: true }, // NFO
  { segment: 4, oi: false }, // BSE
  { segment: 7, oi: true }, // MCX
  { segment: 6, oi: false }, // BCD: prices ÷ 10,000
] as const;

/**
 * `frames` frames of `packetsPerFrame` packets of `mode`: instruments taken in turn from the
 * simulated universe, each stepped to the frame's time by its price process, so an instrument's
 * packets move from frame to frame.
 */
export function buildFrames(mode: TickMode, frames: number, packetsPerFrame: number): FrameSet {
  const universe: SimInstrument[] = buildUniverse({ generated: 1000 }).filter((i) => mode === 'ltp' || i.tradable);
  const processes = universe.map((instrument) => new PriceProcess(instrument, 11));
  const fields = createPacketFields();
  const builder = new KiteFrameBuilder();
  const names = new Map<number, string>();
  const start = Date.UTC(2025, 10, 25, 4, 30); // 10:00 IST
  const out: BenchFrame[] = [];
  let next = 0;
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < packetsPerFrame; p++, next++) {
      const index = next % universe.length;
      processes[index]!.step(start + f * 250 + p, fields);
      let name = universe[index]!.id;
      const other = OTHER_SEGMENTS[next % 10];
      if (other !== undefined && universe[index]!.tradable) {
        fields.token = (fields.token & ~0xff) | other.segment;
        name = `SEG${other.segment}:${universe[index]!.tradingsymbol}`;
        if (other.oi) Object.assign(fields, { oi: 50_000 + next * 75, oiDayHigh: 60_000 + next * 75, oiDayLow: 40_000 + next * 75 });
      }
      names.set(fields.token, name);
      builder.append(mode, fields);
    }
    const bytes = Uint8Array.from(builder.take()!); // a copy in its own ArrayBuffer, as a socket delivers a message
    out.push({ buffer: bytes.buffer, bytes, packets: packetsPerFrame });
  }
  return { frames: out, names };
}

/** Our decoder, frame bytes → Ticks: the frame walked once, each packet decoded where it lies. */
export class TickDecoder implements KitePacketVisitor {
  private readonly fault: KiteFrameFault = { reason: '' };
  private ticks: Tick[] = [];
  private receivedAt = 0;

  constructor(private readonly names: ReadonlyMap<number, string>) {}

  readonly parse: Parse<Tick> = (frame) => {
    this.ticks = [];
    this.receivedAt = Date.now();
    if (walkKiteFrame(frame.bytes, this, this.fault) === NOT_A_KITE_FRAME) throw new Error(`not a Kite frame: ${this.fault.reason}`);
    return this.ticks;
  };

  packet(view: DataView, offset: number, length: number): void {
    const token = view.getInt32(offset);
    this.ticks.push(decodePacket(view, offset, length, this.names.get(token) ?? `TOKEN:${token}`, this.receivedAt));
  }
}

/** The agent's routing pass without the hub: each packet's token and length checked against the subscriptions. */
class RoutingWalk implements KitePacketVisitor {
  private readonly fault: KiteFrameFault = { reason: '' };
  private routed = 0;

  constructor(private readonly lengths: ReadonlyMap<number, number>) {}

  /** Returns the packets routed; an array only to share the timing loop with the decoders. */
  readonly parse: Parse<number> = (frame) => {
    this.routed = 0;
    if (walkKiteFrame(frame.bytes, this, this.fault) === NOT_A_KITE_FRAME) throw new Error(`not a Kite frame: ${this.fault.reason}`);
    return [this.routed];
  };

  packet(view: DataView, offset: number, length: number): void {
    if (this.lengths.get(view.getInt32(offset)) === length) this.routed++;
  }
}

/**
 * The official parser. kiteconnect's `KiteTicker` parses binary messages in a module-private
 * `parseBinary`, which its socket's `onmessage` calls; the class exposes it as the public method
 * `KiteTicker#parseBinary` (missing from its typings, hence the cast), which calls that function
 * and nothing else. Constructing a ticker opens no socket (only `connect()` does) and only sets the
 * module's reconnect settings: reconnect is turned off, so nothing can reach its `process.exit`.
 */
export function officialParser(): { parse: Parse<OfficialTick>; version: string } {
  const ticker = new KiteTicker({ api_key: 'bench', access_token: 'bench', reconnect: false }) as unknown as {
    parseBinary?: (frame: ArrayBuffer) => OfficialTick[];
  };
  if (typeof ticker.parseBinary !== 'function') throw new Error('kiteconnect: KiteTicker#parseBinary is gone; this benchmark needs another route to its parser');
  const parseBinary = ticker.parseBinary.bind(ticker);
  const version = (createRequire(import.meta.url)('kiteconnect/package.json') as { version: string }).version;
  return { parse: (frame) => parseBinary(frame.buffer), version };
}

type Fields = Record<string, string | number | boolean | null | undefined>;

/** The book's levels as fields `buy[0].price`…: both parsers' levels are `{ price, quantity, orders }`. */
function withDepth(f: Fields, depth: { buy: DepthLevel[]; sell: DepthLevel[] } | undefined): Fields {
  for (const side of ['buy', 'sell'] as const) {
    depth?.[side].forEach((level, i) => Object.assign(f, { [`${side}[${i}].price`]: level.price, [`${side}[${i}].quantity`]: level.quantity, [`${side}[${i}].orders`]: level.orders }));
  }
  return f;
}

/** What a tick of its mode carries, flattened to named values, for a field-by-field comparison. */
function fieldsOf(t: Tick): Fields {
  const f: Fields = { token: t.token, mode: t.mode, tradable: t.tradable, lastPrice: t.lastPrice };
  if (t.mode === 'ltp') return f;
  Object.assign(f, { open: t.ohlc?.open, high: t.ohlc?.high, low: t.ohlc?.low, close: t.ohlc?.close, change: t.change });
  if (t.tradable) {
    Object.assign(f, { lastQuantity: t.lastQuantity, averagePrice: t.averagePrice, volume: t.volume, totalBuy: t.totalBuyQuantity, totalSell: t.totalSellQuantity });
  }
  if (t.mode !== 'full') return f;
  f.exchangeTime = t.timestamp;
  if (!t.tradable) return f;
  Object.assign(f, { lastTradeTime: t.lastTradeTime ?? null, oi: t.oi, oiDayHigh: t.oiDayHigh, oiDayLow: t.oiDayLow });
  return withDepth(f, t.depth);
}

/** The official client's tick in our vocabulary (times as ISO strings, as ours are), field for field. */
function asTick(t: OfficialTick): Tick {
  return {
    instrument: '', receivedAt: 0, token: t.instrument_token, mode: t.mode as TickMode, tradable: t.tradable, lastPrice: t.last_price,
    timestamp: t.exchange_timestamp?.toISOString() ?? '', lastQuantity: t.last_traded_quantity, averagePrice: t.average_traded_price,
    volume: t.volume_traded, totalBuyQuantity: t.total_buy_quantity, totalSellQuantity: t.total_sell_quantity, ohlc: t.ohlc, change: t.change,
    lastTradeTime: t.last_trade_time?.toISOString(), oi: t.oi, oiDayHigh: t.oi_day_high, oiDayLow: t.oi_day_low, depth: t.depth,
  };
}

/**
 * Decodes `frames` with both parsers and compares every tick field by field; throws, naming the
 * first differences, unless they agree. Returns the number of packets compared.
 */
export function checkAgreement(kind: TickMode, frames: readonly BenchFrame[], ours: Parse<Tick>, official: Parse<OfficialTick>): number {
  const differences: string[] = [];
  let compared = 0;
  frames.forEach((frame, f) => {
    const mine = ours(frame);
    const theirs = official(frame);
    if (mine.length !== frame.packets || theirs.length !== frame.packets) {
      differences.push(`frame ${f}: ${frame.packets} packets, ours decoded ${mine.length}, official ${theirs.length}`);
      return;
    }
    mine.forEach((tick, p) => {
      const a = fieldsOf(tick);
      const b = fieldsOf(asTick(theirs[p]!));
      if (a.mode !== kind) differences.push(`frame ${f} packet ${p}: a ${a.mode} packet in a ${kind} frame`);
      for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (!Object.is(a[field], b[field])) differences.push(`frame ${f} packet ${p} (token ${a.token}): ${field} ours ${a[field]}, official ${b[field]}`);
      }
      compared++;
    });
  });
  if (differences.length > 0) {
    throw new Error(`our decoder and the official parser disagree on ${kind} packets (${differences.length} differences): ${differences.slice(0, 5).join('; ')}`);
  }
  return compared;
}

/** Runs `parse` over the frames in turn for at least `ms` ms; packets per second. */
function rate(frames: readonly BenchFrame[], parse: Parse<unknown>, ms: number): number {
  let packets = 0;
  let decoded = 0;
  let i = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    const frame = frames[i]!;
    decoded += parse(frame).length; // the result is used, so no decode can be skipped
    packets += frame.packets;
    i = i + 1 === frames.length ? 0 : i + 1;
    elapsed = performance.now() - started;
  } while (elapsed < ms);
  if (decoded === 0) throw new Error('nothing decoded');
  return (packets * 1000) / elapsed;
}

export interface KiteParseOptions {
  frames?: number;
  packetsPerFrame?: number;
  rounds?: number;
  roundMs?: number;
  warmupMs?: number;
  /** Each kind in fresh processes of the built bench (default: when run as the built bench). */
  isolate?: boolean;
  /** Processes per kind when isolated (default 3). */
  processes?: number;
}

const summary = (rates: number[]) => ({ packetsPerSecond: round(median(rates), 0), spread: spreadOf(rates.map((r) => round(r, 0))) });

/**
 * As in the ticker bench: what else the machine was doing meanwhile (% of one core), and how long
 * this process waited for a core (% of the run): figures taken on a busy machine say so.
 */
function machineFigures(machineSampler: MachineSampler, benchSampler: ProcessSampler): Record<string, number> {
  const benchUse = benchSampler.finish();
  const machine = machineSampler.finish();
  return {
    cpuPercent: machine.cpuPercent,
    othersCpuPercent: round(machine.cpuPercent - benchUse.cpuPercent),
    stealPercent: machine.stealPercent,
    benchWaitPercent: benchUse.waitPercent,
  };
}

type Rates = { packetsPerSecond: number; spread: { values: number[] } };
type KindFigures = Record<string, unknown> & { ours: Rates; official: Rates; routing: Rates; ratioSpread: { values: number[] } };

/** One kind's figures from several processes: every round of every process, pooled. */
function mergeRuns(runs: KindFigures[]): KindFigures {
  const pool = (pick: (run: KindFigures) => number[]) => runs.flatMap(pick);
  const ours = pool((run) => run.ours.spread.values);
  const official = pool((run) => run.official.spread.values);
  const routing = pool((run) => run.routing.spread.values);
  return {
    ...runs[0]!,
    ours: summary(ours),
    official: summary(official),
    ratio: round(median(ours) / median(official), 1),
    ratioSpread: spreadOf(pool((run) => run.ratioSpread.values)),
    routing: summary(routing),
    routingRatio: round(median(routing) / median(official), 1),
    processes: runs.length,
  };
}

/** Runs the built bench for one kind in a new process; answers its figures (its last line of output). */
function runKindAlone(kind: TickMode): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'kite-parse'], {
      env: { ...process.env, BENCH_KITE_KIND: kind },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`the ${kind} run exited with ${code}`));
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`the ${kind} run printed no figures: ${last.slice(0, 200)}`));
      }
    });
  });
}

function benchKind(kind: TickMode, options: Required<Omit<KiteParseOptions, 'isolate' | 'processes'>>, official: Parse<OfficialTick>) {
  const { frames, names } = buildFrames(kind, options.frames, options.packetsPerFrame);
  const ours = new TickDecoder(names).parse;
  const routing = new RoutingWalk(new Map([...names.keys()].map((token) => [token, packetLength(token, kind)]))).parse;
  const compared = checkAgreement(kind, frames, ours, official);
  log(`${kind}: ${compared} packets decoded identically by both; warming up`);
  const parsers: Record<'ours' | 'official' | 'routing', Parse<unknown>> = { ours, official, routing };
  const turns = Object.keys(parsers) as Array<keyof typeof parsers>;
  for (const parser of turns) rate(frames, parsers[parser], options.warmupMs);
  const rates = { ours: [] as number[], official: [] as number[], routing: [] as number[] };
  for (let r = 0; r < options.rounds; r++) {
    for (const parser of r % 2 === 0 ? turns : [...turns].reverse()) rates[parser].push(rate(frames, parsers[parser], options.roundMs));
  }
  const ratios = rates.ours.map((ours, r) => ours / rates.official[r]!);
  const result = {
    packetBytes: KINDS[kind],
    ours: summary(rates.ours),
    official: summary(rates.official),
    ratio: round(median(rates.ours) / median(rates.official), 1),
    ratioSpread: spreadOf(ratios.map((x) => round(x, 1))),
    routing: summary(rates.routing),
    routingRatio: round(median(rates.routing) / median(rates.official), 1),
  };
  log(`${kind}: ours ${result.ours.packetsPerSecond} packets/s, official ${result.official.packetsPerSecond}, ratio ${result.ratio}×; routing ${result.routing.packetsPerSecond} (${result.routingRatio}×)`);
  return result;
}

export async function runKiteParseBench(options: KiteParseOptions = {}): Promise<Record<string, unknown>> {
  const settings: Required<Omit<KiteParseOptions, 'isolate'>> = {
    frames: options.frames ?? knob('BENCH_KITE_FRAMES', 40),
    packetsPerFrame: options.packetsPerFrame ?? 100,
    rounds: options.rounds ?? knob('BENCH_KITE_ROUNDS', 7),
    roundMs: options.roundMs ?? knob('BENCH_KITE_ROUND_MS', 250),
    warmupMs: options.warmupMs ?? 500,
    processes: options.processes ?? knob('BENCH_KITE_PROCESSES', 3),
  };
  const official = officialParser();
  const result: Record<string, unknown> = {
    bench: 'kite-parse',
    official: `kiteconnect ${official.version} KiteTicker#parseBinary`,
    framesPerKind: settings.frames,
    packetsPerFrame: settings.packetsPerFrame,
    rounds: settings.rounds,
    roundMs: settings.roundMs,
  };
  // Built, each kind runs in processes of its own, several, and their rounds are pooled: in one
  // process, what the JIT made of the loop for one kind decided the next kind's speed (full
  // packets measured 0.3 M or 5 M a second, run to run, by the order of optimization alone), and
  // even alone a kind's speed differs by process (3.5 M or 6 M), so one process is one draw.
  const only = process.env.BENCH_KITE_KIND as TickMode | undefined;
  if (only !== undefined && !Object.hasOwn(KINDS, only)) throw new Error(`BENCH_KITE_KIND must be one of ${Object.keys(KINDS).join(', ')}`);
  const isolate = options.isolate ?? (only === undefined && /run\.mjs$/.test(process.argv[1] ?? ''));
  result.processesPerKind = isolate ? settings.processes : 0;
  const machines: Array<Record<string, number>> = [];
  let fullRatio = 0;
  for (const kind of only ? [only] : (Object.keys(KINDS) as TickMode[])) {
    let figures: KindFigures;
    if (isolate) {
      const children: Array<Record<string, unknown>> = [];
      for (let p = 0; p < settings.processes; p++) children.push(await runKindAlone(kind));
      figures = mergeRuns(children.map((child) => child[kind] as KindFigures));
      for (const child of children) machines.push(child.machine as Record<string, number>);
    } else {
      const machineSampler = new MachineSampler();
      const benchSampler = new ProcessSampler(() => [process.pid]);
      figures = benchKind(kind, settings, official.parse);
      machines.push(machineFigures(machineSampler, benchSampler));
    }
    result[kind] = figures;
    if (kind === 'full') fullRatio = figures.ours.packetsPerSecond / figures.official.packetsPerSecond;
  }
  // What else the machine was doing meanwhile, averaged over the kinds' runs.
  result.machine = Object.fromEntries(Object.keys(machines[0]!).map((key) => [key, round(machines.reduce((sum, m) => sum + m[key]!, 0) / machines.length)]));
  result.targetFullRatio = TARGET_FULL_RATIO;
  result.met = fullRatio >= TARGET_FULL_RATIO;
  log(`full packets: ${round(fullRatio, 1)}× the official parser; target ${TARGET_FULL_RATIO}× ${result.met ? 'met' : 'NOT met'}`);
  return result;
}
