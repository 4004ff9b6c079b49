/**
 * Task tokens: each run of a task gets a fresh random token in its environment, good for that
 * task only and only while the run lives. Only SHA-256 digests are kept, in memory: a token is
 * never written anywhere, so there is nothing to steal from the data folder.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../shared/contract/scopes';
import { generateToken, type PrincipalResolver } from '../server/auth';

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TaskTokens implements PrincipalResolver {
  private readonly byDigest = new Map<string, { taskId: string; digest: Buffer }>();

  /** A new token for `taskId`; `revoke` it when the run ends. */
  issue(taskId: string): string {
    const token = generateToken();
    const hash = digest(token);
    this.byDigest.set(hash.toString('hex'), { taskId, digest: hash });
    return token;
  }

  revoke(token: string): void {
    this.byDigest.delete(digest(token).toString('hex'));
  }

  /** Every token of a task (it was removed). */
  revokeTask(taskId: string): void {
    for (const [key, entry] of this.byDigest) if (entry.taskId === taskId) this.byDigest.delete(key);
  }

  get size(): number {
    return this.byDigest.size;
  }

  resolve(token: string): Principal | undefined {
    const hash = digest(token);
    const entry = this.byDigest.get(hash.toString('hex'));
    // The lookup is by a digest the caller cannot steer; the comparison is constant-time anyway.
    if (!entry || !timingSafeEqual(entry.digest, hash)) return undefined;
    return { kind: 'task', taskId: entry.taskId };
  }
}
