/**
 * Where the hub keeps each instrument's latest packet, without a copy per tick. Every broker
 * frame is copied whole into the current space (one copy per frame), and an instrument's latest
 * packet is then just a position in it. When the space is full, the latest packets still in it
 * are compacted into the other space and frames go on there (a semi-space copy, as a garbage
 * collector does): a packet is copied again only if its instrument has not ticked since.
 *
 * A copy per tick (a view and a `set` call per packet) cost the agent about 50 ns a tick, half
 * its routing; both spaces are plain buffers allocated once, so the garbage collector never
 * sees them.
 */

/** What the store needs of a holder of a latest packet: `length` bytes at `at` in `space`. */
export interface LatestPacket {
  space: Uint8Array;
  at: number;
  /** 0 when there is no packet. */
  length: number;
}

export interface LatestStoreOptions {
  /** Size of each of the two spaces to start with (they grow when frames or live packets need it). */
  spaceBytes?: number;
}

const DEFAULT_SPACE_BYTES = 8 * 1024 * 1024;

export class LatestStore {
  private current: Uint8Array;
  private other: Uint8Array;
  private currentView: DataView;
  private head = 0;
  /** Compactions so far (for tests and stats). */
  flips = 0;

  constructor(options: LatestStoreOptions = {}) {
    const size = Math.max(options.spaceBytes ?? DEFAULT_SPACE_BYTES, 1024);
    this.current = allocateSpace(size);
    this.other = allocateSpace(size);
    this.currentView = viewOf(this.current);
  }

  /** The space that `add` copied into last. */
  get space(): Uint8Array {
    return this.current;
  }

  /** A view of `space`, made once per space, for readers of packets in it (e.g. tick observers). */
  get view(): DataView {
    return this.currentView;
  }

  get spaceBytes(): number {
    return this.current.byteLength;
  }

  /**
   * Copies a frame into the current space and returns where its first byte now is. `live`
   * lists every holder, for the compaction that runs when the space is full.
   */
  add(frame: Uint8Array, live: () => Iterable<LatestPacket>): number {
    const length = frame.byteLength;
    if (this.head + length > this.current.byteLength) this.compact(length, live);
    const at = this.head;
    this.current.set(frame, at);
    this.head = at + length;
    return at;
  }

  /**
   * Moves the latest packets still in the current space to the other one and swaps them. The
   * spaces double until the live packets fill at most a quarter of one, with room for `needed`.
   */
  private compact(needed: number, live: () => Iterable<LatestPacket>): void {
    const from = this.current;
    let liveBytes = 0;
    for (const packet of live()) if (packet.length > 0 && packet.space === from) liveBytes += packet.length;
    let size = this.other.byteLength;
    while (size < 4 * liveBytes || size < liveBytes + needed) size *= 2;
    const to = size === this.other.byteLength ? this.other : allocateSpace(size);
    let head = 0;
    for (const packet of live()) {
      if (packet.length === 0 || packet.space !== from) continue;
      to.set(from.subarray(packet.at, packet.at + packet.length), head);
      packet.space = to;
      packet.at = head;
      head += packet.length;
    }
    // The old space becomes the next compaction's target, grown to match if this one grew.
    this.other = from.byteLength === size ? from : allocateSpace(size);
    this.current = to;
    this.currentView = viewOf(to);
    this.head = head;
    this.flips++;
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A space of its own (never a slice of Node's shared pool), as a plain Uint8Array: a consumer's
 * frame takes a view of it per tick, and Node makes a Buffer's views more slowly (plain spaces
 * cut the hub bench's cost per tick by about 8 %).
 */
function allocateSpace(bytes: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(bytes);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, bytes);
}
