/**
 * Where the agent keeps secrets (a broker's API secret and the day's access token): behind one
 * small interface, so a headless agent keeps them in a file only its user can read and the
 * desktop app in the OS keychain. Nothing read from here is ever logged or sent in an answer.
 */
import { chmodSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readIfExists, writePrivateFile } from '../store/private-file';

export interface SecretStore {
  /** How the secrets are kept, for the user to see (`file`, `keychain`). */
  readonly kind: string;
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
}

export const SECRETS_FILE = 'secrets.json';

/**
 * Secrets in one JSON file in the data dir, mode 0600, replaced whole on each change (written
 * beside it and renamed, so a crash leaves the old file or the new one, never half of one).
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  readonly file: string;
  private secrets: Record<string, string>;

  /** @param onCorrupt told when an unreadable file was set aside (the secrets in it are lost) */
  constructor(dataDir: string, onCorrupt: (movedTo: string, reason: string) => void = () => {}) {
    this.file = join(dataDir, SECRETS_FILE);
    this.secrets = this.load(onCorrupt);
  }

  get(name: string): string | undefined {
    return Object.hasOwn(this.secrets, name) ? this.secrets[name] : undefined;
  }

  set(name: string, value: string): void {
    if (value === '') throw new RangeError(`an empty secret cannot be stored (${name})`);
    this.write({ ...this.secrets, [name]: value });
  }

  delete(name: string): void {
    if (!Object.hasOwn(this.secrets, name)) return;
    const { [name]: _gone, ...rest } = this.secrets;
    this.write(rest);
  }

  private load(onCorrupt: (movedTo: string, reason: string) => void): Record<string, string> {
    const text = readIfExists(this.file);
    if (text === undefined) return {};
    // A file others could read is made private at once; its secrets may already be known.
    if ((statSync(this.file).mode & 0o077) !== 0) chmodSync(this.file, 0o600);
    const parsed = parseSecrets(text);
    if (typeof parsed === 'string') {
      const movedTo = `${this.file}.unreadable-${Date.now()}`;
      renameSync(this.file, movedTo);
      onCorrupt(movedTo, parsed);
      return {};
    }
    return parsed;
  }

  private write(next: Record<string, string>): void {
    writePrivateFile(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.secrets = next;
  }
}

/** The secrets in a file's text, or why they cannot be read. */
export function parseSecrets(text: string): Record<string, string> | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object';
  const entries = Object.entries(json);
  if (entries.some(([, value]) => typeof value !== 'string')) return 'a value is not a string';
  return Object.fromEntries(entries) as Record<string, string>;
}
