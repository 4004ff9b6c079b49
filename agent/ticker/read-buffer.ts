/**
 * One reusable buffer that a socket reads into (Node's `onread`), for a reader that parses
 * messages where they landed. Unparsed bytes are `[start, end)`; a socket read lands at `end`.
 * Nothing is allocated per read: the buffer is compacted when its tail runs short, and grows
 * only when one message needs more room than it has.
 */
const DEFAULT_INITIAL_BYTES = 1024 * 1024;
/** A read is never offered less room than this. */
const MIN_READ_BYTES = 64 * 1024;

export class ReadBuffer {
  bytes: Buffer;
  start = 0;
  end = 0;
  /** Bytes from `start` the next message needs in one piece (0 when not yet known). */
  want = 0;

  constructor(initialBytes = DEFAULT_INITIAL_BYTES) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(initialBytes, 1024));
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Where the next read lands (pass as `onread.buffer`); then call `received`. */
  readonly next = (): Uint8Array => {
    if (this.start === this.end) this.start = this.end = 0;
    const size = this.bytes.byteLength;
    if (size - this.end < MIN_READ_BYTES || size - this.start < this.want) this.makeRoom();
    return this.bytes.subarray(this.end);
  };

  received(bytes: number): void {
    this.end += bytes;
  }

  /**
   * Forgets every unparsed byte. The next read still lands at `end` (its place is chosen before
   * this can run), so the buffer is rewound only in `next`.
   */
  discard(): void {
    this.start = this.end;
    this.want = 0;
  }

  /** Moves the unparsed bytes to the front, into a bigger buffer if the next message needs one. */
  private makeRoom(): void {
    const pending = this.end - this.start;
    const needed = Math.max(pending, this.want) + MIN_READ_BYTES;
    if (needed > this.bytes.byteLength) {
      let size = this.bytes.byteLength;
      while (size < needed) size *= 2;
      const bigger = Buffer.allocUnsafeSlow(size);
      this.bytes.copy(bigger, 0, this.start, this.end);
      this.bytes = bigger;
    } else {
      this.bytes.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = pending;
  }
}
