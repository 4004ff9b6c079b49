/**
 * The tick link's wire format, shared by its two ends (`tick-link-listener.ts` in the worker,
 * `tick-link-connector.ts` in the agent). A tick link is a private local socket that carries a
 * worker's broker frames to the agent as raw bytes; control messages stay on the process host's
 * message channel. Ticks skip that channel because structured clone copies every frame several
 * times, and that copying (and the garbage it leaves) was the workers' main cost.
 *
 * The agent connects and first writes the 32-byte key it gave the worker. From then on only the
 * worker writes, frame after frame: uint32 length, float64 receivedAt (epoch ms), then `length`
 * bytes of a Kite frame. Big-endian, like everything else on the wire.
 */
import { MAX_BROKER_FRAME_BYTES } from './provider';
import { ReadBuffer } from './read-buffer';

export const LINK_KEY_BYTES = 32;
export const LINK_HEADER = 12;
/** A frame carries one broker frame, so the broker's limit is the link's. */
export const LINK_MAX_FRAME = MAX_BROKER_FRAME_BYTES;

/** Writes a frame's header at `at`; its `length` bytes follow it. */
export function writeLinkHeader(buffer: Buffer, at: number, length: number, receivedAt: number): void {
  buffer.writeUInt32BE(length, at);
  buffer.writeDoubleBE(receivedAt, at + 4);
}

/**
 * Cuts a byte stream into link frames, in place: the stream is read into a reusable buffer and
 * each frame handed over as a view into it. Returns an error text for a bad header.
 */
export class LinkFrameReader {
  private readonly input = new ReadBuffer();

  constructor(private readonly onFrame: (bytes: Uint8Array, receivedAt: number) => string | undefined) {}

  /** Where the next read lands (`onread.buffer`). */
  readonly next = (): Uint8Array => this.input.next();

  /** `bytes` more have landed: hands over every whole frame. */
  received(bytes: number): string | undefined {
    const input = this.input;
    input.received(bytes);
    const buffer = input.bytes;
    while (input.end - input.start >= LINK_HEADER) {
      const at = input.start;
      const length = buffer.readUInt32BE(at);
      if (length > LINK_MAX_FRAME) return `a ${length}-byte frame is past the ${LINK_MAX_FRAME}-byte limit`;
      const receivedAt = buffer.readDoubleBE(at + 4);
      if (!Number.isFinite(receivedAt)) return 'a frame has no valid arrival time';
      const end = at + LINK_HEADER + length;
      if (end > input.end) {
        input.want = LINK_HEADER + length;
        return undefined;
      }
      input.want = 0;
      input.start = end;
      const error = this.onFrame(new Uint8Array(buffer.buffer, buffer.byteOffset + at + LINK_HEADER, length), receivedAt);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  /** Copies a chunk in and reads it: for a stream that arrives as buffers. */
  push(chunk: Uint8Array): string | undefined {
    for (let at = 0; at < chunk.byteLength; ) {
      const room = this.next();
      const take = Math.min(room.byteLength, chunk.byteLength - at);
      room.set(chunk.subarray(at, at + take));
      at += take;
      const error = this.received(take);
      if (error !== undefined) return error;
    }
    return undefined;
  }
}
