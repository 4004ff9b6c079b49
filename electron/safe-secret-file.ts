/**
 * Secrets kept with Electron's `safeStorage` (the OS keychain's key: Keychain on macOS, DPAPI on
 * Windows, libsecret or KWallet on Linux), each encrypted, in one private JSON file replaced by
 * rename. Where `safeStorage` can only store plain text (Linux with no keyring: its `basic_text`
 * backend), or cannot encrypt at all, storing is refused with a message that says so. The
 * embedded agent runs in a utility process without `safeStorage`: the shell reads the secrets
 * for it at start and stores its changes (`RelayedSecretStore` on the agent's side).
 */
import { renameSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import { parseSecrets } from '../agent/broker/secret-store';
import { readIfExists, writePrivateFile } from '../agent/store/private-file';

/** The part of Electron's `safeStorage` used here. */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

/** What the shell's users of a secrets file need (the embedded agent's secrets, remote agents' tokens). */
export type SecretFile = Pick<SafeSecretFile, 'readAll' | 'set' | 'delete' | 'problem'>;

export class SecretStorageRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretStorageRefused';
  }
}

/** Why secrets cannot be stored safely here, or null when they can. */
export function safeStorageProblem(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): string | null {
  if (!storage.isEncryptionAvailable()) return 'This system offers no encryption for stored secrets (no OS keychain is available).';
  if (platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text') {
    return 'No keyring is running (GNOME Keyring, KWallet or another Secret Service), so secrets could only be stored as plain text. Start a keyring and restart AlgoDeck.';
  }
  return null;
}

export class SafeSecretFile {
  private encrypted: Record<string, string>;

  /** @param onUnreadable told of an entry or a file that could not be read (it is dropped, the rest kept) */
  constructor(
    readonly file: string,
    private readonly storage: SafeStorageLike,
    private readonly onUnreadable: (what: string) => void = () => undefined,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.encrypted = this.load();
  }

  /** Null when secrets can be stored; else the reason, for the user. */
  problem(): string | null {
    return safeStorageProblem(this.storage, this.platform);
  }

  /** Every secret, decrypted (for the embedded agent at its start). */
  readAll(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.encrypted)) {
      try {
        out[name] = this.storage.decryptString(Buffer.from(value, 'base64'));
      } catch {
        this.onUnreadable(`the secret "${name}" (encrypted with a key this system no longer has)`);
      }
    }
    return out;
  }

  set(name: string, value: string): void {
    const problem = this.problem();
    if (problem) throw new SecretStorageRefused(problem);
    if (value === '') throw new RangeError(`an empty secret cannot be stored (${name})`);
    this.write({ ...this.encrypted, [name]: this.storage.encryptString(value).toString('base64') });
  }

  delete(name: string): void {
    if (!Object.hasOwn(this.encrypted, name)) return;
    const { [name]: _gone, ...rest } = this.encrypted;
    this.write(rest);
  }

  private load(): Record<string, string> {
    const text = readIfExists(this.file);
    if (text === undefined) return {};
    const parsed = parseSecrets(text);
    if (typeof parsed !== 'string') return parsed;
    const movedTo = `${this.file}.unreadable-${Date.now()}`;
    renameSync(this.file, movedTo);
    this.onUnreadable(`the secrets file (${parsed}; set aside as ${movedTo})`);
    return {};
  }

  private write(next: Record<string, string>): void {
    writePrivateFile(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.encrypted = next;
  }
}
