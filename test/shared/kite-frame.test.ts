import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkKiteFrame, NOT_A_KITE_FRAME, walkKiteFrame, walkKitePackets } from '../../shared/kite-frame';
import { frameOf } from '../helpers/kite-frame';

/** A frame of zero-filled packets of these lengths: the walker reads lengths, not contents. */
const framed = (...lengths: number[]) => frameOf(lengths.map((n) => new Uint8Array(n)));

/** A visitor that records each packet's place, and checks it sits right behind its uint16 length. */
function recorder() {
  const seen: Array<[offset: number, length: number]> = [];
  return {
    seen,
    packet(view: DataView, offset: number, length: number) {
      assert.equal(view.getUint16(offset - 2), length);
      seen.push([offset, length]);
    },
  };
}

test('frames are checked before anyone trusts them', () => {
  assert.deepEqual(checkKiteFrame(framed(8, 44, 184)), { count: 3 });
  assert.deepEqual(checkKiteFrame(new Uint8Array([0])), { count: 0 }, 'a heartbeat');
  assert.deepEqual(checkKiteFrame(framed()), { count: 0 });
  assert.deepEqual(checkKiteFrame(framed(8, 28, 32, 44, 184)), { count: 5 }, 'every packet length Kite sends');
  const bad: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(0), /shorter than its header/],
    [framed(9), /packet 1 of 1 has unknown packet length 9/],
    [framed(8, 7), /packet 2 of 2 has unknown packet length 7/],
    [framed(8).slice(0, 8), /packet 1 of 1 is cut short/],
    [new Uint8Array([...framed(8), 0]), /1 stray bytes after 1 packets/],
    [(() => { const f = framed(8); f[1] = 2; return f; })(), /frame ends before packet 2 of 2/],
  ];
  for (const [bytes, reason] of bad) {
    const checked = checkKiteFrame(bytes);
    assert.ok('error' in checked, `accepted ${[...bytes]}`);
    assert.match(checked.error, reason);
  }
});

test('a walk hands over each packet where it lies, and stops at the first fault', () => {
  const packets = recorder();
  assert.equal(walkKiteFrame(framed(8, 44, 184), packets), 3);
  assert.deepEqual(packets.seen, [[4, 8], [14, 44], [60, 184]]);

  // A fault after two good packets: those two were handed over, and the walk says why it stopped.
  const cut = recorder();
  const fault = { reason: '' };
  assert.equal(walkKiteFrame(framed(8, 44, 184).subarray(0, 100), cut, fault), NOT_A_KITE_FRAME);
  assert.deepEqual(cut.seen, [[4, 8], [14, 44]]);
  assert.match(fault.reason, /packet 3 of 3 is cut short/);

  // A frame inside a larger buffer: offsets are the frame's own.
  const inner = new Uint8Array(40);
  inner.set(framed(8), 7);
  const shifted = recorder();
  assert.equal(walkKiteFrame(inner.subarray(7, 7 + 12), shifted), 1);
  assert.deepEqual(shifted.seen, [[4, 8]]);
});

test('a Kite body nested in another format is walked by the same rules, and may be followed by more', () => {
  const frame = framed(8, 44);
  const buffer = new Uint8Array(frame.byteLength + 5);
  buffer.set(frame);
  const view = new DataView(buffer.buffer);
  const body = recorder();
  assert.equal(walkKitePackets(view, 2, buffer.byteLength, 2, body), frame.byteLength, 'where the packets end');
  assert.deepEqual(body.seen, [[4, 8], [14, 44]]);
  const fault = { reason: '' };
  assert.equal(walkKitePackets(view, 2, frame.byteLength - 1, 2, recorder(), fault), NOT_A_KITE_FRAME);
  assert.match(fault.reason, /cut short/);
});
