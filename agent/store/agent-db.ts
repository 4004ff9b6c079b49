/** The agent's own SQLite file (WAL): what must survive a restart. */
import Database from 'better-sqlite3';
import type { TickMode } from '../../shared/tick';
import type { DesiredTicker } from '../ticker/ticker-supervisor';

const MIGRATIONS = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE ticker_subscriptions (
     instrument TEXT PRIMARY KEY,
     mode TEXT NOT NULL CHECK (mode IN ('ltp', 'quote', 'full'))
   );`,
  // The instruments master and the candle store. Candles follow an instrument's id (its `key`),
  // never its broker token, which a broker may give to another contract on another day.
  `CREATE TABLE instruments (
     key INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     token INTEGER NOT NULL,
     body TEXT NOT NULL,
     listed INTEGER NOT NULL CHECK (listed IN (0, 1))
   );
   -- Minutes in day chunks (UTC days), packed: a year of one instrument reads as ~250 blobs.
   CREATE TABLE candle_chunks (
     instrument INTEGER NOT NULL REFERENCES instruments (key),
     chunk INTEGER NOT NULL,
     minutes BLOB NOT NULL,
     PRIMARY KEY (instrument, chunk)
   );
   -- Live minutes of days not yet packed into a chunk.
   CREATE TABLE live_minutes (
     instrument INTEGER NOT NULL REFERENCES instruments (key),
     minute INTEGER NOT NULL,
     open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
     volume INTEGER NOT NULL,
     oi INTEGER,
     PRIMARY KEY (instrument, minute)
   ) WITHOUT ROWID;
   CREATE TABLE candle_coverage (
     instrument INTEGER NOT NULL REFERENCES instruments (key),
     from_minute INTEGER NOT NULL,
     to_minute INTEGER NOT NULL CHECK (to_minute > from_minute),
     PRIMARY KEY (instrument, from_minute)
   ) WITHOUT ROWID;`,
  // Watchlists: the user's, kept by the agent so they follow the user to any browser.
  `CREATE TABLE watchlists (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE COLLATE NOCASE,
     instruments TEXT NOT NULL,
     position INTEGER NOT NULL
   );`,
  // Browser sessions of the dashboard: only the SHA-256 of each session id.
  `CREATE TABLE browser_sessions (hash TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;`,
  // Tasks: what the user registered and whether it should run; each run's process, so one left
  // behind by an agent that was killed can be known again (same boot, same start time) and reaped.
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE COLLATE NOCASE,
     spec TEXT NOT NULL,
     desired TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
     state TEXT NOT NULL CHECK (state IN ('stopped', 'exited', 'errored')),
     reason TEXT,
     restarts INTEGER NOT NULL DEFAULT 0,
     created INTEGER NOT NULL,
     scheduled_on TEXT,
     schedule_stopped INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
   CREATE TABLE task_runs (
     task TEXT NOT NULL,
     run INTEGER NOT NULL,
     pid INTEGER,
     boot TEXT,
     proc_start INTEGER,
     started INTEGER NOT NULL,
     ended INTEGER,
     exit_code INTEGER,
     signal TEXT,
     reason TEXT,
     PRIMARY KEY (task, run)
   ) WITHOUT ROWID;
   CREATE INDEX task_runs_open ON task_runs (ended) WHERE ended IS NULL;`,
  // The fleet (on a hub): who joined, and the join tokens (their SHA-256 only); the audit log.
  `CREATE TABLE fleet_agents (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE COLLATE NOCASE,
     labels TEXT NOT NULL,
     address TEXT,
     version TEXT,
     joined INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     secret_hash TEXT,
     secret_saved INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
   CREATE TABLE join_tokens (hash TEXT PRIMARY KEY, created INTEGER NOT NULL, label TEXT) WITHOUT ROWID;
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     who TEXT NOT NULL,
     address TEXT,
     agent TEXT NOT NULL,
     method TEXT NOT NULL,
     route TEXT NOT NULL,
     input TEXT NOT NULL,
     result TEXT NOT NULL,
     status INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL
   );`,
  // Orders: written before a broker sees them, every transition and fill kept. A client order id
  // is an algo's own: the same one again is the same order, never a second.
  `CREATE TABLE orders (
     id TEXT PRIMARY KEY,
     algo TEXT NOT NULL,
     client_id TEXT,
     request TEXT NOT NULL,
     state TEXT NOT NULL,
     filled INTEGER NOT NULL DEFAULT 0,
     average_price REAL,
     fees REAL NOT NULL DEFAULT 0,
     broker_id TEXT,
     rejection TEXT,
     created INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     UNIQUE (algo, client_id)
   ) WITHOUT ROWID;
   CREATE INDEX orders_open ON orders (state) WHERE state NOT IN ('filled', 'cancelled', 'rejected');
   CREATE TABLE order_events (order_id TEXT NOT NULL, at INTEGER NOT NULL, state TEXT NOT NULL, message TEXT);
   CREATE INDEX order_events_order ON order_events (order_id);
   CREATE TABLE fills (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, at INTEGER NOT NULL, quantity INTEGER NOT NULL, price REAL NOT NULL, fees REAL NOT NULL);
   CREATE INDEX fills_order ON fills (order_id);
   -- Each session's risk record, written as the day goes and kept when it rolls.
   CREATE TABLE risk_days (date TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;`,
  // The agent each algo trades from (at the hub): another agent cannot trade under its name.
  `CREATE TABLE algo_agents (algo TEXT PRIMARY KEY, agent TEXT NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID;`,
  // Each algo's own state: keys to JSON values, kept on the agent where the algo runs.
  `CREATE TABLE algo_state (
     algo TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     updated INTEGER NOT NULL,
     PRIMARY KEY (algo, key)
   ) WITHOUT ROWID;`,
];

export class AgentDb {
  /** The connection, for the stores that keep their own tables in this file. */
  readonly db: Database.Database;
  /** What the file holds, as last written or read. */
  private savedModes: Map<string, TickMode> | undefined;

  constructor(file: string) {
    this.db = new Database(file);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.migrate();
    } catch (error) {
      this.db.close();
      // Never overwrite what the user has: say which file is wrong and stop.
      throw new Error(`cannot use the agent's data file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`the data file is from a newer AlgoDeck (schema ${version}); upgrade the agent`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /** A setting's value (text), or undefined when it was never set. */
  setting(key: string): string | undefined {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Sets the settings given, and removes those given as null, in one transaction. */
  saveSettings(values: Record<string, string | null>): void {
    const upsert = this.db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    const remove = this.db.prepare(`DELETE FROM settings WHERE key = ?`);
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(values)) {
        if (value === null) remove.run(key);
        else upsert.run(key, value);
      }
    })();
  }

  /** The ticker as it was last left, or null on a first start. */
  loadTicker(): DesiredTicker | null {
    const workers = this.db.prepare(`SELECT value FROM settings WHERE key = 'ticker.workers'`).get() as
      | { value: string }
      | undefined;
    if (!workers) return null;
    const subscriptions = this.db
      .prepare(`SELECT instrument, mode FROM ticker_subscriptions ORDER BY rowid`)
      .all() as Array<{ instrument: string; mode: TickMode }>;
    const stopped = this.db.prepare(`SELECT value FROM settings WHERE key = 'ticker.stopped'`).get() as { value: string } | undefined;
    return { workers: Number(workers.value), subscriptions, stopped: stopped?.value === 'true' };
  }

  /** Writes only what changed since the last save or load: a change to a few instruments stays cheap. */
  saveTicker(desired: DesiredTicker): void {
    const saved = this.savedModes ?? this.loadModes();
    const next = new Map(desired.subscriptions.map((s) => [s.instrument, s.mode]));
    const upsert = this.db.prepare(`INSERT INTO ticker_subscriptions (instrument, mode) VALUES (?, ?)
      ON CONFLICT (instrument) DO UPDATE SET mode = excluded.mode`);
    const remove = this.db.prepare(`DELETE FROM ticker_subscriptions WHERE instrument = ?`);
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO settings (key, value) VALUES ('ticker.workers', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
        .run(String(desired.workers));
      this.db
        .prepare(`INSERT INTO settings (key, value) VALUES ('ticker.stopped', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
        .run(String(desired.stopped === true));
      for (const instrument of saved.keys()) if (!next.has(instrument)) remove.run(instrument);
      for (const [instrument, mode] of next) if (saved.get(instrument) !== mode) upsert.run(instrument, mode);
    })();
    this.savedModes = next;
  }

  private loadModes(): Map<string, TickMode> {
    const rows = this.db.prepare(`SELECT instrument, mode FROM ticker_subscriptions`).all() as Array<{ instrument: string; mode: TickMode }>;
    return new Map(rows.map((r) => [r.instrument, r.mode]));
  }

  close(): void {
    this.db.close();
  }
}
