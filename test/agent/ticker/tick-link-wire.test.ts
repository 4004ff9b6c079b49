/** The tick link's wire format: frame headers, and cutting a byte stream into frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINK_HEADER, LinkFrameReader, writeLinkHeader } from '../../../agent/ticker/tick-link-wire';
import { header } from '../../helpers/tick-link';

test('the reader cuts a stream into the same frames however it is split', () => {
  const frames = [Uint8Array.of(7, 7), new Uint8Array(40).fill(3), Uint8Array.of(), Uint8Array.of(5)];
  const stream = Buffer.concat(frames.flatMap((f, i) => [header(f.length, i), Buffer.from(f)]));
  for (const size of [1, 2, 5, 11, 12, 13, stream.length]) {
    const got: Array<[number[], number]> = [];
    const reader = new LinkFrameReader((bytes, at) => {
      got.push([[...bytes], at]);
      return undefined;
    });
    for (let at = 0; at < stream.length; at += size) assert.equal(reader.push(stream.subarray(at, at + size)), undefined);
    assert.deepEqual(got, frames.map((f, i) => [[...f], i]), `chunks of ${size}`);
  }
});

test('a header written by the worker reads back as written', () => {
  const stream = Buffer.alloc(2 * LINK_HEADER + 3);
  writeLinkHeader(stream, 0, 3, 1700000000123.25);
  stream.set([1, 2, 3], LINK_HEADER);
  writeLinkHeader(stream, LINK_HEADER + 3, 0, 7);
  assert.deepEqual(stream.subarray(0, LINK_HEADER), header(3, 1700000000123.25));
  const got: Array<[number[], number]> = [];
  const reader = new LinkFrameReader((bytes, at) => {
    got.push([[...bytes], at]);
    return undefined;
  });
  assert.equal(reader.push(stream), undefined);
  assert.deepEqual(got, [[[1, 2, 3], 1700000000123.25], [[], 7]]);
});
