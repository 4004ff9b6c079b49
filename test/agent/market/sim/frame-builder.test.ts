import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KiteFrameBuilder, MAX_PACKETS_PER_FRAME } from '../../../../agent/market/sim/frame-builder';
import { createPacketFields } from '../../../../agent/market/sim/price-process';
import { decodePacket } from '../../../../shared/kite-packet';
import { checkKiteFrame, walkKiteFrame } from '../../../../shared/kite-frame';

function fields(token: number, lastPrice: number) {
  const f = createPacketFields();
  f.token = token;
  f.lastPrice = lastPrice;
  return f;
}

function decode(frame: Uint8Array) {
  const ticks: Array<{ length: number; tick: ReturnType<typeof decodePacket> }> = [];
  const count = walkKiteFrame(frame, { packet: (view, offset, length) => ticks.push({ length, tick: decodePacket(view, offset, length, 'x', 0) }) });
  assert.equal(count, ticks.length);
  return ticks;
}

test('frames hold mixed modes, and frames already taken never change', () => {
  const builder = new KiteFrameBuilder(1024); // small chunks: force chunk changes mid-frame
  assert.equal(builder.take(), null);
  const frames: Buffer[] = [];
  const copies: Buffer[] = [];
  for (let n = 0; n < 40; n++) {
    builder.append('full', fields(408065, 1500 + n));
    builder.append('quote', fields(256265, 26000 + n));
    builder.append('ltp', fields(738561, 1400 + n));
    const frame = builder.take()!;
    frames.push(frame);
    copies.push(Buffer.from(frame));
  }
  frames.forEach((frame, n) => {
    assert.deepEqual(frame, copies[n], 'a taken frame was overwritten');
    assert.deepEqual(checkKiteFrame(frame), { count: 3 });
    const ticks = decode(frame);
    assert.deepEqual(ticks.map((t) => t.length), [184, 28, 8]);
    assert.deepEqual(ticks.map((t) => t.tick.lastPrice), [1500 + n, 26000 + n, 1400 + n]);
  });
});

test('a frame is full at 65535 packets; discard drops the frame being built', () => {
  const builder = new KiteFrameBuilder();
  const f = fields(408065, 1500);
  for (let i = 0; i < MAX_PACKETS_PER_FRAME; i++) builder.append('ltp', f);
  assert.equal(builder.full, true);
  assert.throws(() => builder.append('ltp', f), RangeError);
  const frame = builder.take()!;
  assert.deepEqual(checkKiteFrame(frame), { count: MAX_PACKETS_PER_FRAME });
  assert.equal(frame.byteLength, 2 + MAX_PACKETS_PER_FRAME * 10);
  builder.append('quote', f);
  builder.discard();
  assert.equal(builder.take(), null);
  builder.append('quote', f);
  assert.deepEqual(checkKiteFrame(builder.take()!), { count: 1 });
});
