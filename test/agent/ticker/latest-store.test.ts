import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LatestPacket, LatestStore } from '../../../agent/ticker/latest-store';

/** A holder of one latest packet, as the hub's channels are. */
function holder(): LatestPacket {
  return { space: new Uint8Array(0), at: 0, length: 0 };
}

function bytesOf(packet: LatestPacket): number[] {
  return [...packet.space.subarray(packet.at, packet.at + packet.length)];
}

/** Stores `frame` and points `who` at its bytes from `offset` for `length`. */
function store(latest: LatestStore, live: LatestPacket[], frame: Uint8Array, who: LatestPacket, offset = 0, length = frame.byteLength) {
  const base = latest.add(frame, () => live);
  who.space = latest.space;
  who.at = base + offset;
  who.length = length;
}

test('latest packets survive many compactions; only live ones are moved', () => {
  const latest = new LatestStore({ spaceBytes: 1024 });
  const busy = holder();
  const quiet = holder();
  const never = holder();
  const live = [busy, quiet, never];
  store(latest, live, Uint8Array.of(9, 9, 1, 2, 3, 9), quiet, 2, 3); // a packet inside a frame
  const frame = new Uint8Array(100);
  for (let i = 0; i < 1000; i++) {
    frame.fill(i % 256);
    store(latest, live, frame, busy);
    frame.fill(0xee); // the caller reuses its memory at once
  }
  assert.ok(latest.flips >= 90, `compacted ${latest.flips} times`);
  assert.deepEqual(bytesOf(quiet), [1, 2, 3]);
  assert.deepEqual(bytesOf(busy), new Array(100).fill(999 % 256));
  assert.equal(never.length, 0);
  assert.equal(latest.spaceBytes, 1024, 'a small live set needs no growth');
});

test('the spaces grow for a frame larger than a space, and when live packets crowd one', () => {
  const latest = new LatestStore({ spaceBytes: 1024 });
  const big = holder();
  const frame = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
  store(latest, [big], frame, big);
  assert.ok(latest.spaceBytes >= 5000);
  assert.deepEqual(bytesOf(big), [...frame]);

  const many = Array.from({ length: 64 }, holder); // 64 live packets of 100 bytes: 6.4 KB live
  const crowded = new LatestStore({ spaceBytes: 1024 });
  for (let round = 0; round < 3; round++) {
    many.forEach((who, i) => store(crowded, many, new Uint8Array(100).fill((i + round) % 256), who));
  }
  assert.ok(crowded.spaceBytes >= 4 * 6400, `space of ${crowded.spaceBytes} bytes for 6400 live`);
  many.forEach((who, i) => assert.deepEqual(bytesOf(who), new Array(100).fill((i + 2) % 256)));
});
