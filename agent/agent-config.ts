/** Where the agent keeps its files, and its token: given, or generated once and kept 0600. */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generateToken, MIN_TOKEN_LENGTH } from './server/auth';

export const TOKEN_FILE = 'agent-token';

export function defaultDataDir(): string {
  return join(homedir(), '.algodeck', 'agent');
}

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface ResolvedToken {
  token: string;
  /** Set when the token lives in a file the user can read it from. */
  file: string | undefined;
  generated: boolean;
}

/**
 * A token given on the command line or in ALGODECK_TOKEN wins; otherwise the one stored in the
 * data dir; otherwise a new one, written with mode 0600.
 */
export function resolveToken(dataDir: string, given: string | undefined): ResolvedToken {
  if (given !== undefined) {
    // Browsers carry the token as a WebSocket subprotocol, which allows only these characters.
    if (given.length < MIN_TOKEN_LENGTH || !/^[A-Za-z0-9._~+-]+$/.test(given)) {
      throw new Error(`the token must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ + -`);
    }
    return { token: given, file: undefined, generated: false };
  }
  const file = join(dataDir, TOKEN_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_TOKEN_LENGTH) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { token: stored, file, generated: false };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = generateToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, generated: true };
}
