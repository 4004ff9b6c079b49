import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from '../../../agent/ticker/buffer-pool';

test('a buffer given back is reused for the next frame of its size class', () => {
  const pool = new BufferPool();
  const first = pool.take(70_000);
  assert.equal(first.byteLength, 128 * 1024);
  pool.give(first.subarray(0, 70_000)); // a view of it, as a finished frame is
  assert.equal(pool.idle, 1);
  const second = pool.take(100_000);
  assert.equal(second.buffer, first.buffer);
  assert.equal(pool.idle, 0);
  assert.notEqual(pool.take(100_000).buffer, first.buffer, 'taken once, handed out once');
  assert.equal(pool.take(10).byteLength, 4096);
});

test('buffers it did not allocate, or gives twice, are not taken back', () => {
  const pool = new BufferPool(2);
  pool.give(Buffer.allocUnsafe(10)); // a slice of Node's shared 8 KiB pool: reusing it would corrupt others
  pool.give(new Uint8Array(8192));
  assert.equal(pool.idle, 0);
  const mine = pool.take(5000);
  pool.give(mine);
  pool.give(mine);
  assert.equal(pool.idle, 1);
  const [a, b, c] = [pool.take(5000), pool.take(5000), pool.take(5000)];
  for (const buffer of [a, b, c]) pool.give(buffer);
  assert.equal(pool.idle, 2, 'no more kept than asked');
});
