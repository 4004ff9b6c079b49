/** Fixed 10 µs buckets up to 1 s: merging across processes is adding arrays. */
export const BUCKET_MS = 0.01;
export const BUCKETS = 100_000;

export class LatencyHistogram {
  readonly counts: Uint32Array;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(BUCKETS + 1);
    if (counts) this.counts.set(counts);
  }

  record(ms: number): void {
    const bucket = ms <= 0 ? 0 : Math.min(BUCKETS, Math.floor(ms / BUCKET_MS));
    this.counts[bucket]!++;
  }

  reset(): void {
    this.counts.fill(0);
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i <= BUCKETS; i++) this.counts[i]! += other.counts[i]!;
  }

  get total(): number {
    let sum = 0;
    for (const c of this.counts) sum += c;
    return sum;
  }

  /** The latency below which `q` of the samples fall (upper edge of the bucket), in ms. */
  quantile(q: number): number {
    const target = Math.ceil(this.total * q);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= target && seen > 0) return Math.round((i + 1) * BUCKET_MS * 1000) / 1000;
    }
    return Number.NaN;
  }

  /** Sparse form for sending between processes. */
  toSparse(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.counts.forEach((c, i) => {
      if (c > 0) out.push([i, c]);
    });
    return out;
  }

  static fromSparse(pairs: Array<[number, number]>): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const [i, c] of pairs) h.counts[i] = c;
    return h;
  }
}
