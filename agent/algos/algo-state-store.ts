/**
 * Each algo's state in the agent's SQLite file (`algo_state`): keys to JSON values, so an algo
 * finds what it kept after its own restart and the agent's. A change is one transaction: every
 * key it names is set (or deleted, for null), or, when the algo would hold too many keys,
 * nothing is.
 */
import type Database from 'better-sqlite3';
import type { AlgoState } from '../../shared/contract/api';
import { MAX_STATE_KEYS, type StateChange } from '../../shared/contract/algo-state-schemas';
import { ApiError } from '../../shared/errors';

export class AlgoStateStore {
  private readonly select: Database.Statement<[string], { key: string; value: string }>;
  private readonly count: Database.Statement<[string], { n: number }>;
  private readonly upsert: Database.Statement<[string, string, string, number]>;
  private readonly remove: Database.Statement<[string, string]>;
  private readonly apply: (algo: string, changes: readonly StateChange[]) => void;

  constructor(db: Database.Database) {
    this.select = db.prepare(`SELECT key, value FROM algo_state WHERE algo = ? ORDER BY key`);
    this.count = db.prepare(`SELECT COUNT(*) AS n FROM algo_state WHERE algo = ?`);
    this.upsert = db.prepare(`INSERT INTO algo_state (algo, key, value, updated) VALUES (?, ?, ?, ?)
      ON CONFLICT (algo, key) DO UPDATE SET value = excluded.value, updated = excluded.updated`);
    this.remove = db.prepare(`DELETE FROM algo_state WHERE algo = ? AND key = ?`);
    this.apply = db.transaction((algo: string, changes: readonly StateChange[]) => {
      const now = Date.now();
      for (const { key, json } of changes) {
        if (json === null) this.remove.run(algo, key);
        else this.upsert.run(algo, key, json, now);
      }
      const { n } = this.count.get(algo)!;
      // Thrown inside the transaction: it rolls back, and nothing changed.
      if (n > MAX_STATE_KEYS) {
        throw new ApiError('invalid_request', `values: an algo keeps at most ${MAX_STATE_KEYS} keys; this change would make ${n}. Delete some (set them to null) first.`, {
          field: 'values',
          details: { keys: n, max: MAX_STATE_KEYS },
        });
      }
    });
  }

  get(algo: string): AlgoState {
    // fromEntries defines each key as the object's own, `__proto__` included.
    return { algo, values: Object.fromEntries(this.select.all(algo).map((row) => [row.key, JSON.parse(row.value) as unknown])) };
  }

  /** Applies `changes` in order (a key named twice: the last wins), in one transaction; answers the state after. */
  set(algo: string, changes: readonly StateChange[]): AlgoState {
    if (changes.length > 0) this.apply(algo, changes);
    return this.get(algo);
  }
}
