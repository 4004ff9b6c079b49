/**
 * The agent's binary tick frame, sent to stream clients that ask for `format=binary` and from
 * ticker workers to the agent. Big-endian:
 *   uint8 kind (1 = ticks), uint8 version (1), uint16 count,
 *   then per tick: uint16 packetLength, float64 receivedAt (epoch ms), Kite packet.
 * Kite packets are passed through untouched, so the hot path never re-encodes a tick.
 */
import { decodePacket, packetMode } from './kite-packet';
import type { Tick } from './tick';

export const FRAME_KIND_TICKS = 1;
export const FRAME_VERSION = 1;
export const FRAME_HEADER = 4;
export const ENTRY_HEADER = 10;

/** Calls `visit` for each tick of a frame; throws RangeError on a malformed frame. */
export function forEachFrameTick(
  bytes: Uint8Array,
  visit: (view: DataView, offset: number, length: number, receivedAt: number) => void,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < FRAME_HEADER) throw new RangeError('tick frame shorter than its header');
  if (view.getUint8(0) !== FRAME_KIND_TICKS) throw new RangeError(`unknown frame kind ${view.getUint8(0)}`);
  if (view.getUint8(1) !== FRAME_VERSION) throw new RangeError(`unknown frame version ${view.getUint8(1)}`);
  const count = view.getUint16(2);
  let at = FRAME_HEADER;
  for (let i = 0; i < count; i++) {
    if (at + ENTRY_HEADER > bytes.byteLength) throw new RangeError(`tick frame ends before tick ${i + 1} of ${count}`);
    const length = view.getUint16(at);
    if (!packetMode(length)) throw new RangeError(`tick ${i + 1} has unknown packet length ${length}`);
    const receivedAt = view.getFloat64(at + 2);
    const start = at + ENTRY_HEADER;
    at = start + length;
    if (at > bytes.byteLength) throw new RangeError(`tick ${i + 1} of ${count} is cut short`);
    visit(view, start, length, receivedAt);
  }
  if (at !== bytes.byteLength) throw new RangeError(`${bytes.byteLength - at} stray bytes after ${count} ticks`);
  return count;
}

/** Decodes a whole binary frame into Ticks; `nameOf` maps a token to its instrument id. */
export function decodeTickFrame(bytes: Uint8Array, nameOf: (token: number) => string): Tick[] {
  const ticks: Tick[] = [];
  forEachFrameTick(bytes, (view, offset, length, receivedAt) => {
    ticks.push(decodePacket(view, offset, length, nameOf(view.getInt32(offset)), receivedAt));
  });
  return ticks;
}

/** Builds frames tick by tick into one growing buffer, without per-tick allocation. */
export class TickFrameWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private used = FRAME_HEADER;
  private ticks = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buffer = new Uint8Array(initialBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  get count(): number {
    return this.ticks;
  }

  get byteLength(): number {
    return this.used;
  }

  /** Appends a packet taken from `source` (a Kite packet of `length` bytes at `offset`). */
  append(source: Uint8Array, offset: number, length: number, receivedAt: number): void {
    this.appendPacket(source.subarray(offset, offset + length), receivedAt);
  }

  /** Appends `packet`, exactly one Kite packet (no view to make: the hot path's form). */
  appendPacket(packet: Uint8Array, receivedAt: number): void {
    if (this.ticks === 0xffff) throw new RangeError('tick frame is full (65535 ticks)');
    const length = packet.byteLength;
    this.reserve(ENTRY_HEADER + length);
    this.view.setUint16(this.used, length);
    this.view.setFloat64(this.used + 2, receivedAt);
    this.buffer.set(packet, this.used + ENTRY_HEADER);
    this.used += ENTRY_HEADER + length;
    this.ticks++;
  }

  get full(): boolean {
    return this.ticks === 0xffff;
  }

  /** Returns the finished frame (a copy) and starts a new one. */
  take(): Uint8Array {
    this.view.setUint8(0, FRAME_KIND_TICKS);
    this.view.setUint8(1, FRAME_VERSION);
    this.view.setUint16(2, this.ticks);
    const frame = this.buffer.slice(0, this.used);
    this.used = FRAME_HEADER;
    this.ticks = 0;
    return frame;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.byteLength) return;
    let size = this.buffer.byteLength * 2;
    while (size < this.used + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.used));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}
