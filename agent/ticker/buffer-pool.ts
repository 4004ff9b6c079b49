/**
 * Reuses the buffers of outgoing tick frames. A frame's buffer goes to the socket as is; once the
 * socket has written it, it comes back here and the next frame is built in it. Fresh buffers of
 * this size live outside the JavaScript heap, and allocating one per frame (thousands a second)
 * kept the garbage collector busy with them.
 *
 * Sizes are powers of two, so a buffer fits the next frame of its size class. Only buffers this
 * pool allocated are taken back, each at most once.
 */
const MIN_BYTES = 4096;

function sizeClass(bytes: number): number {
  let size = MIN_BYTES;
  while (size < bytes) size *= 2;
  return size;
}

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();

  /** @param keepPerSize buffers kept per size class; more given back are left to the collector */
  constructor(private readonly keepPerSize = 16) {}

  /** A buffer of at least `bytes` (its contents are garbage). */
  readonly take = (bytes: number): Uint8Array => {
    const size = sizeClass(bytes);
    const reused = this.free.get(size)?.pop();
    if (reused) return Buffer.from(reused);
    const fresh = Buffer.allocUnsafeSlow(size); // a buffer of its own, never a slice of Node's shared pool
    this.owned.add(fresh.buffer);
    return fresh;
  };

  /** Takes back a buffer from `take` (or a view of one) that nothing uses any more. */
  give(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    if (!(buffer instanceof ArrayBuffer) || !this.owned.has(buffer)) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, (list = []));
    if (list.length < this.keepPerSize && !list.includes(buffer)) list.push(buffer);
  }

  /** Buffers waiting to be reused, for tests. */
  get idle(): number {
    let count = 0;
    for (const list of this.free.values()) count += list.length;
    return count;
  }
}
