/**
 * The agent's binary tick frame, sent to stream clients that ask for `format=binary`. Big-endian:
 *   uint8 kind (1 = ticks), uint8 version (2), uint16 groupCount,
 *   then per group: float64 receivedAt (epoch ms), uint16 tickCount,
 *                   then per tick: uint16 packetLength, Kite packet.
 * A group holds ticks that arrived together (one broker frame), so it is laid out exactly like
 * the body of a Kite frame behind its arrival time: the agent copies a broker frame's packets in
 * one piece and never re-encodes a tick.
 */
import { decodePacket } from './kite-packet';
import { NOT_A_KITE_FRAME, walkKitePackets } from './kite-frame';
import type { Tick } from './tick';

export const FRAME_KIND_TICKS = 1;
export const FRAME_VERSION = 2;
export const FRAME_HEADER = 4;
export const GROUP_HEADER = 10;
const U16_MAX = 0xffff;

/**
 * Calls `visit` for each tick of a frame; throws RangeError on a malformed frame. A group's ticks
 * are checked as the body of a Kite frame (`walkKitePackets`).
 */
export function forEachFrameTick(
  bytes: Uint8Array,
  visit: (view: DataView, offset: number, length: number, receivedAt: number) => void,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < FRAME_HEADER) throw new RangeError('tick frame shorter than its header');
  if (view.getUint8(0) !== FRAME_KIND_TICKS) throw new RangeError(`unknown frame kind ${view.getUint8(0)}`);
  if (view.getUint8(1) !== FRAME_VERSION) throw new RangeError(`unknown frame version ${view.getUint8(1)}`);
  const groups = view.getUint16(2);
  const group = { receivedAt: 0, packet: (v: DataView, offset: number, length: number) => visit(v, offset, length, group.receivedAt) };
  const fault = { reason: '' };
  let at = FRAME_HEADER;
  let ticks = 0;
  for (let g = 0; g < groups; g++) {
    if (at + GROUP_HEADER > bytes.byteLength) throw new RangeError(`tick frame ends before group ${g + 1} of ${groups}`);
    group.receivedAt = view.getFloat64(at);
    const count = view.getUint16(at + 8);
    at = walkKitePackets(view, at + GROUP_HEADER, bytes.byteLength, count, group, fault);
    if (at === NOT_A_KITE_FRAME) throw new RangeError(`tick frame group ${g + 1}: ${fault.reason}`);
    ticks += count;
  }
  if (at !== bytes.byteLength) throw new RangeError(`${bytes.byteLength - at} stray bytes after ${groups} groups`);
  return ticks;
}

/** Decodes a whole binary frame into Ticks; `nameOf` maps a token to its instrument id. */
export function decodeTickFrame(bytes: Uint8Array, nameOf: (token: number) => string): Tick[] {
  const ticks: Tick[] = [];
  forEachFrameTick(bytes, (view, offset, length, receivedAt) => {
    ticks.push(decodePacket(view, offset, length, nameOf(view.getInt32(offset)), receivedAt));
  });
  return ticks;
}

export interface TickFrameWriterOptions {
  initialBytes?: number;
  /** Allocates frame buffers; a runtime may pass one that skips zero-filling. */
  allocate?: (bytes: number) => Uint8Array;
}

/**
 * Builds frames into one growing buffer, without per-tick allocation. `take()` hands the buffer
 * over (no copy) and the next frame starts in a fresh one sized like the last.
 */
export class TickFrameWriter {
  private readonly allocate: (bytes: number) => Uint8Array;
  private buffer: Uint8Array;
  private view: DataView;
  private used = FRAME_HEADER;
  private ticks = 0;
  private groups = 0;
  /** Where the open group's header is, or -1 when no group is open. */
  private groupAt = -1;
  private groupCount = 0;
  private groupReceivedAt = 0;
  private nextSize: number;

  constructor(options: TickFrameWriterOptions = {}) {
    this.allocate = options.allocate ?? ((n) => new Uint8Array(n));
    this.nextSize = Math.max(options.initialBytes ?? 16 * 1024, 64);
    this.buffer = this.allocate(this.nextSize);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  get count(): number {
    return this.ticks;
  }

  get byteLength(): number {
    return this.used;
  }

  /** True when no further group fits: take() the frame before appending more. */
  get full(): boolean {
    return this.groups === U16_MAX;
  }

  /** Appends one Kite packet of `length` bytes at `offset` in `source`. */
  append(source: Uint8Array, offset: number, length: number, receivedAt: number): void {
    this.openGroup(receivedAt, 1, 2 + length);
    this.view.setUint16(this.used, length);
    this.buffer.set(source.subarray(offset, offset + length), this.used + 2);
    this.used += 2 + length;
    this.groupCount++;
    this.ticks++;
  }

  /**
   * Appends `count` packets lying in `source` from `start` to `end` exactly as in a Kite frame
   * (each behind its uint16 length). The caller vouches for that layout: it is copied as is.
   */
  appendPackets(source: Uint8Array, start: number, end: number, count: number, receivedAt: number): void {
    this.openGroup(receivedAt, count, end - start);
    this.buffer.set(source.subarray(start, end), this.used);
    this.used += end - start;
    this.groupCount += count;
    this.ticks += count;
  }

  /** Returns the finished frame and starts a new one. */
  take(): Uint8Array {
    this.closeGroup();
    this.view.setUint8(0, FRAME_KIND_TICKS);
    this.view.setUint8(1, FRAME_VERSION);
    this.view.setUint16(2, this.groups);
    const frame = this.buffer.subarray(0, this.used);
    this.nextSize = Math.max(64, this.used + (this.used >> 2));
    this.buffer = this.allocate(this.nextSize);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    this.used = FRAME_HEADER;
    this.ticks = 0;
    this.groups = 0;
    return frame;
  }

  /** Makes room for `bytes` more in a group of `receivedAt` that can take `count` more ticks. */
  private openGroup(receivedAt: number, count: number, bytes: number): void {
    const reuse = this.groupAt >= 0 && receivedAt === this.groupReceivedAt && this.groupCount + count <= U16_MAX;
    if (!reuse) {
      if (this.groups === U16_MAX) throw new RangeError('tick frame is full (65535 groups)');
      if (count > U16_MAX) throw new RangeError(`a group holds at most ${U16_MAX} ticks, not ${count}`);
      this.closeGroup();
      this.reserve(GROUP_HEADER + bytes);
      this.groupAt = this.used;
      this.groupCount = 0;
      this.groupReceivedAt = receivedAt;
      this.view.setFloat64(this.used, receivedAt);
      this.used += GROUP_HEADER;
      this.groups++;
    } else this.reserve(bytes);
  }

  private closeGroup(): void {
    if (this.groupAt < 0) return;
    this.view.setUint16(this.groupAt + 8, this.groupCount);
    this.groupAt = -1;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.byteLength) return;
    let size = this.buffer.byteLength * 2;
    while (size < this.used + bytes) size *= 2;
    const next = this.allocate(size);
    next.set(this.buffer.subarray(0, this.used));
    this.buffer = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}
