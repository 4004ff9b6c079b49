/**
 * Minutes of one instrument, packed: one Float64Array with seven numbers a minute (epoch
 * minute, open, high, low, close, volume, open interest or NaN), ascending by minute. The store
 * keeps day chunks in exactly this layout, so a year of minutes is read as a few hundred blobs
 * with no object per minute, and bars are folded from it the same way.
 */

/** Numbers per minute. */
export const STRIDE = 7;
export const MINUTE = 0;
export const OPEN = 1;
export const HIGH = 2;
export const LOW = 3;
export const CLOSE = 4;
export const VOLUME = 5;
export const OI = 6;

/** One minute as a tuple: [epoch minute, open, high, low, close, volume, oi or null]. */
export type MinuteRow = [minute: number, open: number, high: number, low: number, close: number, volume: number, oi: number | null];

export class MinuteBlock {
  static readonly EMPTY = new MinuteBlock(new Float64Array(0));

  /** `data` holds `data.length / STRIDE` minutes. */
  constructor(readonly data: Float64Array) {
    if (data.length % STRIDE !== 0) throw new RangeError(`a minute block holds ${STRIDE} numbers a minute, got ${data.length}`);
  }

  get length(): number {
    return this.data.length / STRIDE;
  }

  minute(i: number): number {
    return this.data[i * STRIDE]!;
  }

  row(i: number): MinuteRow {
    const d = this.data;
    const at = i * STRIDE;
    const oi = d[at + OI]!;
    return [d[at]!, d[at + OPEN]!, d[at + HIGH]!, d[at + LOW]!, d[at + CLOSE]!, d[at + VOLUME]!, Number.isNaN(oi) ? null : oi];
  }

  rows(): MinuteRow[] {
    return Array.from({ length: this.length }, (_, i) => this.row(i));
  }

  static fromRows(rows: readonly MinuteRow[]): MinuteBlock {
    const data = new Float64Array(rows.length * STRIDE);
    rows.forEach((row, i) => {
      data.set(row.slice(0, OI) as number[], i * STRIDE);
      data[i * STRIDE + OI] = row[OI] ?? Number.NaN;
    });
    return new MinuteBlock(data);
  }

  /** The minutes in [from, to) (a view, not a copy). */
  slice(from: number, to: number): MinuteBlock {
    const start = this.lowerBound(from);
    const end = this.lowerBound(to);
    return new MinuteBlock(this.data.subarray(start * STRIDE, end * STRIDE));
  }

  /** The index of the first minute at or after `minute`. */
  lowerBound(minute: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[mid * STRIDE]! < minute) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Ascending blocks, one after another, as one block. */
  static concat(blocks: readonly MinuteBlock[]): MinuteBlock {
    if (blocks.length === 1) return blocks[0]!;
    const data = new Float64Array(blocks.reduce((n, b) => n + b.data.length, 0));
    let at = 0;
    for (const block of blocks) {
      data.set(block.data, at);
      at += block.data.length;
    }
    return new MinuteBlock(data);
  }

  /** Both sets of minutes, ascending; where both have a minute, `this` one is kept. */
  mergeOver(other: MinuteBlock): MinuteBlock {
    if (other.length === 0) return this;
    if (this.length === 0) return other;
    const out = new Float64Array((this.length + other.length) * STRIDE);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < this.length || j < other.length) {
      const a = i < this.length ? this.minute(i) : Infinity;
      const b = j < other.length ? other.minute(j) : Infinity;
      const fromThis = a <= b;
      const source = fromThis ? this.data : other.data;
      const index = fromThis ? i : j;
      out.set(source.subarray(index * STRIDE, index * STRIDE + STRIDE), n * STRIDE);
      n++;
      if (a <= b) i++;
      if (b <= a) j++;
    }
    return new MinuteBlock(out.subarray(0, n * STRIDE));
  }

  /** This block's minutes that `other` does not hold. */
  without(other: MinuteBlock): MinuteBlock {
    if (other.length === 0) return this;
    const out = new Float64Array(this.data.length);
    let n = 0;
    let j = 0;
    for (let i = 0; i < this.length; i++) {
      const minute = this.minute(i);
      while (j < other.length && other.minute(j) < minute) j++;
      if (j < other.length && other.minute(j) === minute) continue;
      out.set(this.data.subarray(i * STRIDE, i * STRIDE + STRIDE), n * STRIDE);
      n++;
    }
    return new MinuteBlock(out.subarray(0, n * STRIDE));
  }

  /** The block's bytes, as stored. */
  toBytes(): Buffer {
    return Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  /** A stored blob back into a block (copied: SQLite's buffers need not be aligned for Float64Array). */
  static fromBytes(bytes: Uint8Array): MinuteBlock {
    const data = new Float64Array(bytes.byteLength / 8);
    new Uint8Array(data.buffer).set(bytes);
    return new MinuteBlock(data);
  }
}
