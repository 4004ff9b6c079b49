/**
 * The audit log: every command (every call but reads) with who made it, from where, on which
 * agent, with what input and how it ended. Secrets in the input are never written: fields named
 * like a secret, password or token are replaced, and files by their size.
 */
import type Database from 'better-sqlite3';
import type { Principal } from '../../shared/contract/scopes';
import type { AuditEntry } from '../../shared/fleet';

/** Rows kept; older ones are dropped as new ones come. */
const KEEP = 100_000;
const PRUNE_EVERY = 1000;

/** An entry as written: the log numbers and dates it. */
export type AuditWrite = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditQuery {
  limit: number;
  before?: number | undefined;
  agent?: string | undefined;
  method?: string | undefined;
}

/** A principal as the log names it. */
export function whoIs(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  if (principal.kind === 'task') return `task:${principal.taskId}`;
  if (principal.kind === 'member') return `member:${principal.agentId}${principal.algo === undefined ? '' : `:${principal.algo}`}`;
  return principal.kind;
}

/** Field names that hold secrets by their look: API keys, passwords, tokens, credentials. */
const SECRET_FIELD = /secret|passw|pwd|token|key|cred|auth|cookie|session/i;

/**
 * `value` fit for the log: secrets out (fields named like one, and every value of a task's
 * environment, whatever its name), files as their size, long text cut, depth bounded.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return { bytes: value.byteLength };
  if (typeof value === 'string') return value.length > 500 ? `${value.slice(0, 500)}…` : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 4) return '…';
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, 50)) {
    if (SECRET_FIELD.test(key)) out[key] = '…';
    else if (key === 'env' && typeof item === 'object' && item !== null) out[key] = Object.fromEntries(Object.keys(item).map((name) => [name, '…']));
    else out[key] = redact(item, depth + 1);
  }
  return out;
}

/**
 * The log is written a turn after the command, in one commit for all of that turn's entries: a
 * command's answer (an order's) never waits on the log's commit. Reads and `flush` write what
 * waits first, so the log always reads whole.
 */
export class AuditLog {
  private writes = 0;
  /** Prepared once: every command writes one row. */
  private readonly insert: Database.Statement;
  private readonly writeAll: (rows: unknown[][]) => void;
  private pending: unknown[][] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO audit (at, who, address, agent, method, route, input, result, status, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.writeAll = db.transaction((rows: unknown[][]) => {
      for (const row of rows) this.insert.run(row);
    });
  }

  write(entry: AuditWrite): void {
    this.pending.push([Date.now(), entry.who, entry.address, entry.agent, entry.method, entry.route, JSON.stringify(redact(entry.input)) ?? 'null', entry.result, entry.status, Math.round(entry.durationMs)]);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes the entries waiting for their turn's commit. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.writeAll(rows);
    const before = this.writes;
    this.writes += rows.length;
    if (Math.floor(this.writes / PRUNE_EVERY) > Math.floor(before / PRUNE_EVERY)) this.db.prepare(`DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?`).run(KEEP);
  }

  list(query: AuditQuery): AuditEntry[] {
    this.flush();
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.before !== undefined) {
      where.push('id < ?');
      values.push(query.before);
    }
    if (query.agent !== undefined) {
      where.push('agent = ? COLLATE NOCASE');
      values.push(query.agent);
    }
    if (query.method !== undefined) {
      where.push('method = ?');
      values.push(query.method);
    }
    const rows = this.db
      .prepare(`SELECT * FROM audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...values, query.limit) as Array<{ id: number; at: number; who: string; address: string | null; agent: string; method: string; route: string; input: string; result: string; status: number; duration_ms: number }>;
    return rows.map((row) => ({
      id: row.id,
      at: new Date(row.at).toISOString(),
      who: row.who,
      address: row.address,
      agent: row.agent,
      method: row.method,
      route: row.route,
      input: JSON.parse(row.input) as unknown,
      result: row.result,
      status: row.status,
      durationMs: row.duration_ms,
    }));
  }
}
