/**
 * Dashboard sessions of browsers: a sign-in (with the agent's token or the user's password)
 * gives the browser a random session id in an HttpOnly, SameSite=Strict cookie. The agent keeps
 * only its SHA-256, in SQLite, so a restart keeps users signed in and a stolen data file holds
 * no usable session. A session ends after a week unused, or at sign-out.
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Principal } from '../../shared/contract/scopes';

export const SESSION_COOKIE = 'algodeck_session';
const IDLE_MS = 7 * 86_400_000;
/** A session's expiry moves on with use, written at most this often. */
const TOUCH_MS = 60_000;

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export class BrowserSessions {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    db.prepare(`DELETE FROM browser_sessions WHERE expires <= ?`).run(now());
  }

  /** A new session: the cookie's value (shown once, never stored) and when it expires unused. */
  create(): { value: string; expiresAt: number } {
    const value = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + IDLE_MS;
    this.db.prepare(`INSERT INTO browser_sessions (hash, expires) VALUES (?, ?)`).run(digest(value), expiresAt);
    return { value, expiresAt };
  }

  /** The session a cookie names, if it is one and has not expired; its use moves its expiry on. */
  resolve(value: string | undefined): Principal | undefined {
    const session = this.live(value);
    if (!session) return undefined;
    const now = this.now();
    if (now + IDLE_MS - session.expires > TOUCH_MS) this.db.prepare(`UPDATE browser_sessions SET expires = ? WHERE hash = ?`).run(now + IDLE_MS, session.hash);
    return { kind: 'session', sessionId: session.hash.slice(0, 16) };
  }

  /** When a good session ends if unused (null when the cookie names none); reading does not move it. */
  expiresAt(value: string | undefined): number | null {
    return this.live(value)?.expires ?? null;
  }

  private live(value: string | undefined): { hash: string; expires: number } | undefined {
    if (value === undefined || !/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
    const hash = digest(value);
    const row = this.db.prepare(`SELECT expires FROM browser_sessions WHERE hash = ?`).get(hash) as { expires: number } | undefined;
    return row && row.expires > this.now() ? { hash, expires: row.expires } : undefined;
  }

  end(value: string | undefined): void {
    if (value !== undefined) this.db.prepare(`DELETE FROM browser_sessions WHERE hash = ?`).run(digest(value));
  }

  /** Every browser signed out (the password changed). */
  endAll(): void {
    this.db.prepare(`DELETE FROM browser_sessions`).run();
  }
}

/** One cookie's value from a `Cookie` header. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie of a session: never readable by scripts, never sent by another site's page. */
export function sessionCookie(value: string, expiresAt: number, secure: boolean, now = Date.now()): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
