/**
 * Builds Kite binary frames (`uint16 count`, then `uint16 length` + packet each) packet by
 * packet, straight into a large chunk of memory. A finished frame is a view of the chunk, handed
 * to `ws.send` without a copy; the chunk is never written again under a frame that was taken
 * (a socket may still be queueing it), so a full chunk is replaced, not reused.
 */
import { encodePacket, packetLength, type PacketFields } from '../../../shared/kite-packet';
import type { TickMode } from '../../../shared/tick';

export const MAX_PACKETS_PER_FRAME = 0xffff;

export class KiteFrameBuilder {
  private chunk: Buffer;
  private view: DataView;
  private start = 0;
  private used = 0;
  private count = 0;

  constructor(private readonly chunkBytes = 256 * 1024) {
    this.chunk = Buffer.allocUnsafeSlow(chunkBytes);
    this.view = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
  }

  get packetCount(): number {
    return this.count;
  }

  /** A frame holds at most 65535 packets (a uint16 count): take it when this turns true. */
  get full(): boolean {
    return this.count === MAX_PACKETS_PER_FRAME;
  }

  append(mode: TickMode, fields: PacketFields): void {
    if (this.full) throw new RangeError('frame is full (65535 packets); take it first');
    const length = packetLength(fields.token, mode);
    const header = this.count === 0 ? 2 : 0;
    this.reserve(header + 2 + length);
    this.used += header;
    this.view.setUint16(this.used, length);
    encodePacket(this.view, this.used + 2, mode, fields);
    this.used += 2 + length;
    this.count++;
  }

  /** The finished frame, or null when no packet was appended since the last take. */
  take(): Buffer | null {
    if (this.count === 0) return null;
    this.view.setUint16(this.start, this.count);
    const frame = this.chunk.subarray(this.start, this.used);
    this.start = this.used;
    this.count = 0;
    return frame;
  }

  /** Drops the frame being built (a client too slow to keep up loses ticks, as on a real feed). */
  discard(): void {
    this.used = this.start;
    this.count = 0;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.chunk.byteLength) return;
    const partial = this.used - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, 2 * (partial + bytes)));
    this.chunk.copy(next, 0, this.start, this.used);
    this.chunk = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.start = 0;
    this.used = partial;
  }
}
