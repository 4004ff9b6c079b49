/**
 * The secret store of an agent embedded in the desktop app. The agent runs in a utility process,
 * where the OS keychain (Electron's `safeStorage`) cannot be reached: the shell decrypts the
 * secrets for it at start, and each change is relayed back to the shell, which encrypts and
 * stores it. Where the shell cannot store safely, `set` is refused with the shell's reason,
 * before anything changes.
 */
import { ApiError } from '../../shared/errors';
import type { SecretStore } from './secret-store';

export type SecretChange = { type: 'secret-set'; name: string; value: string } | { type: 'secret-delete'; name: string };

export class RelayedSecretStore implements SecretStore {
  readonly kind = 'keychain';
  private readonly secrets: Map<string, string>;

  /**
   * @param initial the secrets the shell read at start
   * @param refusal why storing is impossible here (null when the keychain works)
   * @param relay sends a change to the shell
   */
  constructor(
    initial: Record<string, string>,
    private readonly refusal: string | null,
    private readonly relay: (change: SecretChange) => void,
  ) {
    this.secrets = new Map(Object.entries(initial));
  }

  get(name: string): string | undefined {
    return this.secrets.get(name);
  }

  set(name: string, value: string): void {
    if (this.refusal !== null) throw new ApiError('unavailable', `The secret was not stored: ${this.refusal}`);
    if (value === '') throw new RangeError(`an empty secret cannot be stored (${name})`);
    this.relay({ type: 'secret-set', name, value });
    this.secrets.set(name, value);
  }

  delete(name: string): void {
    if (!this.secrets.has(name)) return;
    this.relay({ type: 'secret-delete', name });
    this.secrets.delete(name);
  }
}
