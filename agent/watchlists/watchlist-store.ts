/**
 * The user's watchlists in the agent's SQLite file: named, ordered lists of instrument ids, so
 * they follow the user to any browser. Names are unique regardless of case. An instrument that
 * a broker stops listing stays in the list (the dashboard shows it as such); a new one must be
 * listed to be added.
 */
import type Database from 'better-sqlite3';
import type { Watchlist } from '../../shared/contract/api';
import { ApiError } from '../../shared/errors';

interface Row {
  id: number;
  name: string;
  instruments: string;
}

/** Watchlists an agent keeps at most: a bound on what a client can make it store. */
export const MAX_WATCHLISTS = 100;

export class WatchlistStore {
  constructor(private readonly db: Database.Database) {}

  list(): Watchlist[] {
    const rows = this.db.prepare(`SELECT id, name, instruments FROM watchlists ORDER BY position, id`).all() as Row[];
    return rows.map(toWatchlist);
  }

  create(name: string, instruments: readonly string[]): Watchlist {
    const count = (this.db.prepare(`SELECT COUNT(*) AS n FROM watchlists`).get() as { n: number }).n;
    if (count >= MAX_WATCHLISTS) throw new ApiError('capacity_exceeded', `An agent keeps at most ${MAX_WATCHLISTS} watchlists; delete one first.`);
    this.requireFreeName(name, undefined);
    const info = this.db
      .prepare(`INSERT INTO watchlists (name, instruments, position) VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM watchlists))`)
      .run(name, JSON.stringify(instruments));
    return this.get(Number(info.lastInsertRowid));
  }

  update(id: number, change: { name?: string | undefined; instruments?: readonly string[] | undefined }): Watchlist {
    const current = this.get(id);
    if (change.name !== undefined) this.requireFreeName(change.name, id);
    this.db
      .prepare(`UPDATE watchlists SET name = ?, instruments = ? WHERE id = ?`)
      .run(change.name ?? current.name, JSON.stringify(change.instruments ?? current.instruments), id);
    return this.get(id);
  }

  delete(id: number): void {
    this.get(id);
    this.db.prepare(`DELETE FROM watchlists WHERE id = ?`).run(id);
  }

  get(id: number): Watchlist {
    const row = this.db.prepare(`SELECT id, name, instruments FROM watchlists WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new ApiError('not_found', `No watchlist ${id}.`, { field: 'id' });
    return toWatchlist(row);
  }

  private requireFreeName(name: string, except: number | undefined): void {
    const row = this.db.prepare(`SELECT id FROM watchlists WHERE name = ? COLLATE NOCASE`).get(name) as { id: number } | undefined;
    if (row && row.id !== except) throw new ApiError('conflict', `A watchlist is already named "${name}".`, { field: 'name' });
  }
}

function toWatchlist(row: Row): Watchlist {
  return { id: row.id, name: row.name, instruments: JSON.parse(row.instruments) as string[] };
}
