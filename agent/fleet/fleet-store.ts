/**
 * What a hub remembers of its fleet across restarts: each member that joined (so one that is
 * away is shown offline, not forgotten), and the join tokens, as SHA-256 digests only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ApiError } from '../../shared/errors';
import { generateToken } from '../server/auth';

export interface StoredMember {
  id: string;
  name: string;
  labels: Record<string, string>;
  address: string | null;
  version: string | null;
  joined: number;
  lastSeen: number;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class FleetStore {
  constructor(private readonly db: Database.Database) {}

  members(): StoredMember[] {
    const rows = this.db.prepare(`SELECT * FROM fleet_agents ORDER BY joined, id`).all() as Array<{ id: string; name: string; labels: string; address: string | null; version: string | null; joined: number; last_seen: number }>;
    return rows.map((row) => ({ id: row.id, name: row.name, labels: JSON.parse(row.labels) as Record<string, string>, address: row.address, version: row.version, joined: row.joined, lastSeen: row.last_seen }));
  }

  /** Records a member's join; a name held by another agent is a conflict. */
  join(member: Omit<StoredMember, 'joined'>): StoredMember {
    const holder = this.db.prepare(`SELECT id FROM fleet_agents WHERE name = ?`).get(member.name) as { id: string } | undefined;
    if (holder && holder.id !== member.id) throw new ApiError('conflict', `Another agent of this fleet is named "${member.name}": give this one another --name, or forget the other.`, { field: 'name' });
    const existing = this.db.prepare(`SELECT joined FROM fleet_agents WHERE id = ?`).get(member.id) as { joined: number } | undefined;
    const joined = existing?.joined ?? member.lastSeen;
    this.db
      .prepare(`INSERT INTO fleet_agents (id, name, labels, address, version, joined, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, labels = excluded.labels, address = excluded.address, version = excluded.version, last_seen = excluded.last_seen`)
      .run(member.id, member.name, JSON.stringify(member.labels), member.address, member.version, joined, member.lastSeen);
    return { ...member, joined };
  }

  seen(id: string, at: number): void {
    this.db.prepare(`UPDATE fleet_agents SET last_seen = ? WHERE id = ?`).run(at, id);
  }

  /**
   * Whether `secret` is member `id`'s: the one the hub gave it at its first join (kept as a
   * digest). A member never given one (or new) passes, and gets one with `issueSecret`.
   */
  memberSecretMatches(id: string, secret: string | undefined): { ok: boolean; known: boolean } {
    const row = this.db.prepare(`SELECT secret_hash, secret_saved FROM fleet_agents WHERE id = ?`).get(id) as { secret_hash: string | null; secret_saved: number } | undefined;
    // A secret the member never said it stored (its link went before the welcome) binds nothing yet.
    if (!row?.secret_hash || (row.secret_saved === 0 && secret === undefined)) return { ok: true, known: false };
    if (secret === undefined) return { ok: false, known: true };
    return { ok: timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), digest(secret)), known: true };
  }

  /** A new secret for member `id` (after its join was recorded): returned once, its digest kept. */
  issueSecret(id: string): string {
    const secret = generateToken();
    this.db.prepare(`UPDATE fleet_agents SET secret_hash = ?, secret_saved = 0 WHERE id = ?`).run(digest(secret).toString('hex'), id);
    return secret;
  }

  /** The member stored its secret: from now on its id is only its own. */
  secretSaved(id: string): void {
    this.db.prepare(`UPDATE fleet_agents SET secret_saved = 1 WHERE id = ? AND secret_hash IS NOT NULL`).run(id);
  }

  forget(id: string): boolean {
    return this.db.prepare(`DELETE FROM fleet_agents WHERE id = ?`).run(id).changes > 0;
  }

  /** Accepts `token` from now on (a hub started with `--join-token`); stores its digest only. */
  allowJoinToken(token: string, label: string | null = null): void {
    this.db.prepare(`INSERT OR IGNORE INTO join_tokens (hash, created, label) VALUES (?, ?, ?)`).run(digest(token).toString('hex'), Date.now(), label);
  }

  /** A new random join token, returned once. */
  newJoinToken(label: string | null): { token: string; createdAt: string } {
    const token = generateToken();
    this.allowJoinToken(token, label);
    return { token, createdAt: new Date().toISOString() };
  }

  joinTokenCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM join_tokens`).get() as { n: number }).n;
  }

  revokeJoinTokens(): number {
    return this.db.prepare(`DELETE FROM join_tokens`).run().changes;
  }

  /** Whether `token` is a join token of this hub, compared digest to digest in constant time. */
  isJoinToken(token: string | undefined): boolean {
    if (token === undefined || token.length === 0) return false;
    const candidate = digest(token);
    let found = false;
    for (const { hash } of this.db.prepare(`SELECT hash FROM join_tokens`).all() as Array<{ hash: string }>) {
      // Every stored digest is compared, so the time taken says nothing of which matched.
      if (timingSafeEqual(Buffer.from(hash, 'hex'), candidate)) found = true;
    }
    return found;
  }
}
