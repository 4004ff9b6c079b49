/**
 * 1-minute candles in the agent's SQLite file, and the ranges fetched from the provider's history
 * or seen whole by the live feed (`candle_coverage`), so a stored range is never fetched twice.
 * Every other interval is derived from these minutes when read.
 *
 * Minutes live in day chunks (`candle_chunks`: one blob per instrument and UTC day, in the
 * MinuteBlock layout), so a year of one instrument is read as a few hundred blobs rather than
 * 94,000 rows. Live minutes arrive one at a time for thousands of instruments: they go to a
 * plain table (`live_minutes`) and are packed into their day's chunk once the day is over
 * (`pack`); reads merge both.
 *
 * Precedence: the provider's history replaces live minutes in its range (the provider saw every
 * trade; a live minute may lack the trades before the agent started), and live minutes never
 * replace history: where a chunk and a live row both hold a minute, the chunk's is kept.
 */
import type Database from 'better-sqlite3';
import { MinuteBlock, type MinuteRow, STRIDE } from './minute-block';

export type { MinuteRow } from './minute-block';

/** A range of epoch minutes, [from, to). */
export type MinuteRange = [from: number, to: number];

export const CHUNK_MINUTES = 1440;

const chunkOf = (minute: number) => Math.floor(minute / CHUNK_MINUTES);

export class CandleStore {
  private readonly statements;
  /** Which instruments have live minutes in which day chunk: what `pack` has to do, without a scan. */
  private readonly unpacked = new Map<number, Set<number>>();

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insertLive: db.prepare(
        `INSERT INTO live_minutes (instrument, minute, open, high, low, close, volume, oi) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instrument, minute) DO NOTHING`,
      ),
      readLive: db
        .prepare(`SELECT minute, open, high, low, close, volume, oi FROM live_minutes WHERE instrument = ? AND minute >= ? AND minute < ? ORDER BY minute`)
        .raw(true),
      deleteLive: db.prepare(`DELETE FROM live_minutes WHERE instrument = ? AND minute >= ? AND minute < ?`),
      readChunks: db.prepare(`SELECT minutes FROM candle_chunks WHERE instrument = ? AND chunk >= ? AND chunk <= ? ORDER BY chunk`).pluck(),
      readChunk: db.prepare(`SELECT minutes FROM candle_chunks WHERE instrument = ? AND chunk = ?`).pluck(),
      writeChunk: db.prepare(
        `INSERT INTO candle_chunks (instrument, chunk, minutes) VALUES (?, ?, ?) ON CONFLICT (instrument, chunk) DO UPDATE SET minutes = excluded.minutes`,
      ),
      deleteChunk: db.prepare(`DELETE FROM candle_chunks WHERE instrument = ? AND chunk = ?`),
      unpacked: db.prepare(`SELECT DISTINCT instrument, minute / ${CHUNK_MINUTES} AS chunk FROM live_minutes`).raw(true),
      coverage: db
        .prepare(`SELECT from_minute, to_minute FROM candle_coverage WHERE instrument = ? AND to_minute >= ? AND from_minute <= ? ORDER BY from_minute`)
        .raw(true),
      uncover: db.prepare(`DELETE FROM candle_coverage WHERE instrument = ? AND from_minute >= ? AND from_minute <= ?`),
      cover: db.prepare(`INSERT INTO candle_coverage (instrument, from_minute, to_minute) VALUES (?, ?, ?)`),
    };
    for (const [key, chunk] of this.statements.unpacked.all() as Array<[number, number]>) this.markUnpacked(key, chunk);
  }

  private markUnpacked(key: number, chunk: number): void {
    let keys = this.unpacked.get(chunk);
    if (!keys) this.unpacked.set(chunk, (keys = new Set()));
    keys.add(key);
  }

  /**
   * Live minutes, in one transaction; a minute the store holds already is kept as it is.
   * `covered` are ranges the live feed saw whole (every trade of every minute in them): they
   * need no fetch from the provider.
   */
  insertLive(rows: ReadonlyArray<{ key: number; row: MinuteRow }>, covered: ReadonlyArray<{ key: number; range: MinuteRange }> = []): void {
    const insert = this.statements.insertLive;
    this.db.transaction(() => {
      for (const { key, row } of rows) insert.run(key, ...row);
      for (const { key, range } of covered) this.cover(key, range[0], range[1]);
    })();
    let lastKey = -1;
    let lastChunk = -1;
    for (const { key, row } of rows) {
      const chunk = chunkOf(row[0]);
      if (key === lastKey && chunk === lastChunk) continue;
      lastKey = key;
      lastChunk = chunk;
      this.markUnpacked(key, chunk);
    }
  }

  /**
   * The provider's history for [from, to) of one instrument, and the range marked covered (even
   * where the provider had no trades: a quiet minute or a holiday is not fetched again). With
   * `replaceLive` (the default) its minutes replace the store's in that range; without, they only
   * fill the minutes the store lacks. All or nothing.
   */
  insertHistory(key: number, range: MinuteRange, rows: readonly MinuteRow[], { replaceLive = true }: { replaceLive?: boolean } = {}): void {
    const [from, to] = range;
    if (!(to > from)) throw new RangeError(`empty history range [${from}, ${to})`);
    for (let i = 0; i < rows.length; i++) {
      const minute = rows[i]![0];
      if (minute < from || minute >= to) throw new RangeError(`minute ${minute} is outside the fetched range [${from}, ${to})`);
      if (i > 0 && minute <= rows[i - 1]![0]) throw new RangeError(`minute ${minute} is not after the one before it`);
    }
    const block = MinuteBlock.fromRows(rows);
    this.db.transaction(() => {
      for (let chunk = chunkOf(from); chunk <= chunkOf(to - 1); chunk++) {
        const start = Math.max(from, chunk * CHUNK_MINUTES);
        const end = Math.min(to, (chunk + 1) * CHUNK_MINUTES);
        const old = this.chunk(key, chunk);
        const fetched = block.slice(start, end);
        if (replaceLive) {
          // What the chunk had outside the range, and the history inside it.
          this.writeChunk(key, chunk, MinuteBlock.concat([old.slice(-Infinity, start), fetched, old.slice(end, Infinity)]));
        } else {
          // The chunk's minutes and the live rows win; history fills the rest.
          const live = MinuteBlock.fromRows(this.statements.readLive.all(key, start, end) as MinuteRow[]);
          const missing = fetched.without(live);
          if (missing.length > 0) this.writeChunk(key, chunk, old.mergeOver(missing));
        }
      }
      if (replaceLive) this.statements.deleteLive.run(key, from, to);
      this.cover(key, from, to);
    })();
  }

  /** The stored minutes of [from, to), ascending. */
  read(key: number, from: number, to: number): MinuteBlock {
    if (!(to > from)) return MinuteBlock.EMPTY;
    const blobs = this.statements.readChunks.all(key, chunkOf(from), chunkOf(to - 1)) as Buffer[];
    const chunks = blobs.length === 0 ? MinuteBlock.EMPTY : MinuteBlock.concat(blobs.map((b) => MinuteBlock.fromBytes(b))).slice(from, to);
    const live = this.statements.readLive.all(key, from, to) as MinuteRow[];
    return live.length === 0 ? chunks : chunks.mergeOver(MinuteBlock.fromRows(live));
  }

  /** The parts of [from, to) never fetched from the provider nor seen whole live. */
  gaps(key: number, from: number, to: number): MinuteRange[] {
    const covered = this.statements.coverage.all(key, from, to) as MinuteRange[];
    const gaps: MinuteRange[] = [];
    let at = from;
    for (const [start, end] of covered) {
      if (start > at) gaps.push([at, Math.min(start, to)]);
      at = Math.max(at, end);
      if (at >= to) break;
    }
    if (at < to) gaps.push([at, to]);
    return gaps.filter(([a, b]) => b > a);
  }

  /**
   * Packs live minutes of days before `beforeMinute`'s into their day chunks, at most `limit`
   * instrument-days at a time (a step the caller can spread out). Returns how many were packed.
   */
  pack(beforeMinute: number, limit = 50): number {
    const current = chunkOf(beforeMinute);
    const days: Array<[number, number]> = [];
    for (const [chunk, keys] of this.unpacked) {
      if (chunk >= current) continue;
      for (const key of keys) {
        if (days.length >= limit) break;
        days.push([key, chunk]);
      }
    }
    this.db.transaction(() => {
      for (const [key, chunk] of days) {
        const from = chunk * CHUNK_MINUTES;
        const to = from + CHUNK_MINUTES;
        const live = MinuteBlock.fromRows(this.statements.readLive.all(key, from, to) as MinuteRow[]);
        this.writeChunk(key, chunk, this.chunk(key, chunk).mergeOver(live));
        this.statements.deleteLive.run(key, from, to);
      }
    })();
    for (const [key, chunk] of days) {
      const keys = this.unpacked.get(chunk)!;
      keys.delete(key);
      if (keys.size === 0) this.unpacked.delete(chunk);
    }
    return days.length;
  }

  private chunk(key: number, chunk: number): MinuteBlock {
    const blob = this.statements.readChunk.get(key, chunk) as Buffer | undefined;
    return blob ? MinuteBlock.fromBytes(blob) : MinuteBlock.EMPTY;
  }

  private writeChunk(key: number, chunk: number, block: MinuteBlock): void {
    if (block.length === 0) this.statements.deleteChunk.run(key, chunk);
    else this.statements.writeChunk.run(key, chunk, block.toBytes());
  }

  /** Merges [from, to) into the instrument's covered ranges (inside the caller's transaction). */
  private cover(key: number, from: number, to: number): void {
    const touching = this.statements.coverage.all(key, from, to) as MinuteRange[];
    let start = from;
    let end = to;
    for (const [a, b] of touching) {
      start = Math.min(start, a);
      end = Math.max(end, b);
    }
    if (touching.length > 0) this.statements.uncover.run(key, touching[0]![0], touching.at(-1)![0]);
    this.statements.cover.run(key, start, end);
  }
}

export { MinuteBlock, STRIDE };
