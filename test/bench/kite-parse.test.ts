import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFrames, checkAgreement, officialParser, type Parse, runKiteParseBench, TARGET_FULL_RATIO, TickDecoder } from '../../bench/kite-parse';
import type { Tick } from '../../shared/tick';

const official = officialParser().parse;

test('both parsers read the same frames identically, in every mode', () => {
  for (const kind of ['ltp', 'quote', 'full'] as const) {
    const { frames, names } = buildFrames(kind, 2, 10);
    assert.equal(frames.length, 2);
    assert.equal(checkAgreement(kind, frames, new TickDecoder(names).parse, official), 20, kind);
  }
});

test('the agreement check fails loudly on a corrupted decode', () => {
  const { frames, names } = buildFrames('full', 2, 10);
  const ours = new TickDecoder(names).parse;
  const corrupted = (change: (ticks: Tick[]) => void): Parse<Tick> => (frame) => {
    const ticks = ours(frame);
    change(ticks);
    return ticks;
  };
  const disagree = (parse: Parse<Tick>, pattern: RegExp) => assert.throws(() => checkAgreement('full', frames, parse, official), pattern);
  disagree(corrupted((ticks) => (ticks[3]!.depth!.sell[2]!.price += 0.05)), /disagree on full packets \(2 differences\).*packet 3 .*sell\[2\]\.price/);
  disagree(corrupted((ticks) => (ticks[0]!.volume! += 1)), /packet 0 .*volume ours/);
  disagree(corrupted((ticks) => (ticks[1]!.ohlc!.high *= 100)), /high ours/);
  disagree(corrupted((ticks) => ticks.pop()), /10 packets, ours decoded 9, official 10/);
  // Ticks of another mode, even with right prices, are not the same decode.
  const { frames: quotes } = buildFrames('quote', 1, 10);
  assert.throws(() => checkAgreement('full', quotes, new TickDecoder(names).parse, official), /a quote packet in a full frame/);
});

test('the benchmark reports packets/s of each parser and their ratio per kind', async () => {
  const result = await runKiteParseBench({ frames: 2, packetsPerFrame: 5, rounds: 2, roundMs: 2, warmupMs: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result, 'JSON-able');
  assert.equal(result.bench, 'kite-parse');
  assert.match(String(result.official), /^kiteconnect \d+\.\d+\.\d+ KiteTicker#parseBinary$/);
  for (const [kind, bytes] of [['ltp', 8], ['quote', 44], ['full', 184]] as const) {
    const figures = result[kind] as any;
    assert.equal(figures.packetBytes, bytes);
    for (const parser of ['ours', 'official', 'routing']) {
      assert.ok(figures[parser].packetsPerSecond > 0, `${kind} ${parser}`);
      assert.equal(figures[parser].spread.values.length, 2);
    }
    assert.ok(Math.abs(figures.ratio - figures.ours.packetsPerSecond / figures.official.packetsPerSecond) <= 0.1 + figures.ratio * 1e-6);
    assert.equal(figures.ratioSpread.values.length, 2);
  }
  assert.deepEqual(Object.keys(result.machine as object), ['cpuPercent', 'othersCpuPercent', 'stealPercent', 'benchWaitPercent']);
  assert.equal(result.targetFullRatio, TARGET_FULL_RATIO);
  const full = result.full as any;
  assert.equal(result.met, full.ours.packetsPerSecond / full.official.packetsPerSecond >= TARGET_FULL_RATIO);
});
