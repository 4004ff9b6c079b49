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

interface SyncPlan {
  inserts: Array<{ instrument: Instrument; body: string }>;
  updates: Array<{ instrument: Instrument; body: string }>;
  unlist: string[];
}

/** Rows compared between pauses. */
const STEP = 5000;

export class InstrumentStore {
  private readonly keys = new Map<string, number>();

  constructor(private readonly db: Database.Database) {
    for (const row of db.prepare(`SELECT key, id FROM instruments`).all() as Array<{ key: number; id: string }>) {
      this.keys.set(row.id, row.key);
    }
  }

  /** Makes `instruments` the listed ones, in one step (a small list: the simulated market's). */
  sync(instruments: readonly Instrument[]): SyncResult {
    const plan = this.plan(instruments);
    let step = plan.next();
    while (!step.done) step = plan.next();
    return this.apply(step.value);
  }

  /**
   * The same for a broker's list of ~100,000: the comparison runs in steps of `STEP` rows with
   * `pause()` between them (so the agent's event loop keeps delivering ticks), and only the
   * writes are one transaction.
   */
  async syncInSteps(instruments: readonly Instrument[], pause: () => Promise<void>): Promise<SyncResult> {
    const plan = this.plan(instruments);
    let step = plan.next();
    while (!step.done) {
      await pause();
      step = plan.next();
    }
    return this.apply(step.value);
  }

  /** Compares `instruments` with the stored ones, yielding every STEP rows; returns what to write. */
  private *plan(instruments: readonly Instrument[]): Generator<void, SyncPlan> {
    const existing = new Map<string, { body: string; listed: number }>();
    const page = this.db.prepare(`SELECT key, id, body, listed FROM instruments WHERE key > ? ORDER BY key LIMIT ${STEP}`);
    for (let after = 0; ; ) {
      const rows = page.all(after) as Array<{ key: number; id: string; body: string; listed: number }>;
      for (const row of rows) existing.set(row.id, row);
      if (rows.length < STEP) break;
      after = rows.at(-1)!.key;
      yield;
    }
    const plan: SyncPlan = { inserts: [], updates: [], unlist: [] };
    const seen = new Set<string>();
    for (let i = 0; i < instruments.length; i++) {
      const instrument = instruments[i]!;
      seen.add(instrument.id);
      const body = JSON.stringify(instrument);
      const row = existing.get(instrument.id);
      if (!row) plan.inserts.push({ instrument, body });
      else if (row.body !== body || row.listed !== 1) plan.updates.push({ instrument, body });
      if (i % STEP === STEP - 1) yield;
    }
    for (const [id, row] of existing) if (row.listed === 1 && !seen.has(id)) plan.unlist.push(id);
    return plan;
  }

  private apply(plan: SyncPlan): SyncResult {
    const insert = this.db.prepare(`INSERT INTO instruments (id, token, body, listed) VALUES (?, ?, ?, 1)`);
    const update = this.db.prepare(`UPDATE instruments SET token = ?, body = ?, listed = 1 WHERE id = ?`);
    const unlist = this.db.prepare(`UPDATE instruments SET listed = 0 WHERE id = ?`);
    this.db.transaction(() => {
      for (const { instrument, body } of plan.inserts) {
        const info = insert.run(instrument.id, instrument.token, body);
        this.keys.set(instrument.id, Number(info.lastInsertRowid));
      }
      for (const { instrument, body } of plan.updates) update.run(instrument.token, body, instrument.id);
      for (const id of plan.unlist) unlist.run(id);
    })();
    return { added: plan.inserts.length, changed: plan.updates.length, unlisted: plan.unlist.length };
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
