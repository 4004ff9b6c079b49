/**
 * The instruments master in the agent's SQLite file: every instrument a provider has listed, by
 * id. A provider's new list replaces the old one in one transaction: new and changed instruments
 * are written, and those no longer listed (an expired contract) stay, marked unlisted, so their
 * stored candles keep their instrument. Each instrument has a stable integer key that the candle
 * store uses; a broker token is never a key, since brokers hand tokens to new contracts.
 */
import type Database from 'better-sqlite3';
import type { Instrument } from '../../shared/instrument';

export interface SyncResult {
  added: number;
  changed: number;
  unlisted: number;
}

export class InstrumentStore {
  private readonly keys = new Map<string, number>();

  constructor(private readonly db: Database.Database) {
    for (const row of db.prepare(`SELECT key, id FROM instruments`).all() as Array<{ key: number; id: string }>) {
      this.keys.set(row.id, row.key);
    }
  }

  /** Makes `instruments` the listed ones. */
  sync(instruments: readonly Instrument[]): SyncResult {
    const existing = new Map(
      (this.db.prepare(`SELECT id, body, listed FROM instruments`).all() as Array<{ id: string; body: string; listed: number }>).map((r) => [r.id, r]),
    );
    const insert = this.db.prepare(`INSERT INTO instruments (id, token, body, listed) VALUES (?, ?, ?, 1)`);
    const update = this.db.prepare(`UPDATE instruments SET token = ?, body = ?, listed = 1 WHERE id = ?`);
    const unlist = this.db.prepare(`UPDATE instruments SET listed = 0 WHERE id = ?`);
    const result: SyncResult = { added: 0, changed: 0, unlisted: 0 };
    this.db.transaction(() => {
      const seen = new Set<string>();
      for (const instrument of instruments) {
        seen.add(instrument.id);
        const body = JSON.stringify(instrument);
        const row = existing.get(instrument.id);
        if (!row) {
          const info = insert.run(instrument.id, instrument.token, body);
          this.keys.set(instrument.id, Number(info.lastInsertRowid));
          result.added++;
        } else if (row.body !== body || row.listed !== 1) {
          update.run(instrument.token, body, instrument.id);
          result.changed++;
        }
      }
      for (const [id, row] of existing) {
        if (row.listed === 1 && !seen.has(id)) {
          unlist.run(id);
          result.unlisted++;
        }
      }
    })();
    return result;
  }

  /** The listed instruments, in the order they were first listed. */
  listed(): Instrument[] {
    const rows = this.db.prepare(`SELECT body FROM instruments WHERE listed = 1 ORDER BY key`).all() as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Instrument);
  }

  /** The candle store's key of an instrument, listed or not. */
  keyOf(id: string): number | undefined {
    return this.keys.get(id);
  }
}
