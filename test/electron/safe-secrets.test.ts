/**
 * Secrets with Electron's safeStorage: a stand-in with its interface (the runtime cannot run
 * here) that really encrypts, a real file, the plain-text backend refused, unreadable entries and
 * files set aside; and the embedded agent's relayed store, end to end through the file.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type SecretChange, RelayedSecretStore } from '../../agent/broker/relayed-secret-store';
import { SafeSecretFile, type SafeStorageLike, safeStorageProblem, SecretStorageRefused } from '../../electron/safe-secret-file';

const dir = mkdtempSync(join(tmpdir(), 'algodeck-safe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** safeStorage's interface over AES-256-GCM with a key of its own, as the OS keychain's would be. */
function keychain(backend = 'gnome_libsecret', key = randomBytes(32)): SafeStorageLike {
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(text: string) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(data: Buffer) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    },
  } as SafeStorageLike;
}

test('stored encrypted in a private file, read back after a restart; never in the clear on disk', () => {
  const file = join(dir, 'a', 'secrets.safe.json');
  const storage = keychain();
  const secrets = new SafeSecretFile(file, storage, undefined, 'linux');
  assert.equal(secrets.problem(), null);
  secrets.set('kite.apiSecret', 'hunter2-api-secret');
  secrets.set('kite.accessToken', 'access-token-0123');
  const text = readFileSync(file, 'utf8');
  assert.equal(text.includes('hunter2'), false);
  assert.equal(text.includes('access-token'), false);
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(new SafeSecretFile(file, storage).readAll(), { 'kite.apiSecret': 'hunter2-api-secret', 'kite.accessToken': 'access-token-0123' });
  secrets.delete('kite.accessToken');
  assert.deepEqual(new SafeSecretFile(file, storage).readAll(), { 'kite.apiSecret': 'hunter2-api-secret' });
});

test('the plain-text backend, or no encryption, is refused with a reason, and nothing is written', () => {
  const file = join(dir, 'b', 'secrets.safe.json');
  const plain = new SafeSecretFile(file, keychain('basic_text'), undefined, 'linux');
  assert.match(plain.problem() ?? '', /plain text/);
  assert.throws(() => plain.set('kite.apiSecret', 'x'), (error: unknown) => error instanceof SecretStorageRefused && /No keyring is running/.test(error.message));
  assert.equal(existsSync(file), false);
  const none = { ...keychain(), isEncryptionAvailable: () => false } as SafeStorageLike;
  assert.match(safeStorageProblem(none, 'darwin') ?? '', /no encryption/);
  assert.equal(safeStorageProblem(keychain('basic_text'), 'win32'), null, 'the backend name is a Linux matter');
});

test('an entry encrypted with a lost key is dropped and reported; a corrupt file is set aside', () => {
  const folder = join(dir, 'c');
  const file = join(folder, 'secrets.safe.json');
  new SafeSecretFile(file, keychain()).set('old', 'from another machine');
  const storage = keychain();
  const fresh = new SafeSecretFile(file, storage);
  fresh.set('new', 'readable');
  const reported: string[] = [];
  assert.deepEqual(new SafeSecretFile(file, storage, (what) => reported.push(what)).readAll(), { new: 'readable' });
  assert.match(reported.join(), /"old"/);
  writeFileSync(file, '{ not json');
  const told: string[] = [];
  assert.deepEqual(new SafeSecretFile(file, storage, (what) => told.push(what)).readAll(), {});
  assert.match(told.join(), /set aside/);
  assert.equal(readdirSync(folder).some((name) => name.startsWith('secrets.safe.json.unreadable-')), true);
});

test("the embedded agent's store: changes relayed to the shell's file; refused before anything changes", () => {
  const file = join(dir, 'd', 'secrets.safe.json');
  const shell = new SafeSecretFile(file, keychain(), undefined, 'linux');
  const apply = (change: SecretChange) => (change.type === 'secret-set' ? shell.set(change.name, change.value) : shell.delete(change.name));
  const agent = new RelayedSecretStore(shell.readAll(), shell.problem(), apply);
  agent.set('kite.apiSecret', 's3cret');
  assert.equal(agent.get('kite.apiSecret'), 's3cret');
  assert.deepEqual(shell.readAll(), { 'kite.apiSecret': 's3cret' });
  agent.delete('kite.apiSecret');
  assert.deepEqual(shell.readAll(), {});
  assert.throws(() => agent.set('x', ''), RangeError);

  const relayed: SecretChange[] = [];
  const refusing = new RelayedSecretStore({ kept: 'v' }, 'No keyring is running.', (change) => relayed.push(change));
  assert.throws(() => refusing.set('kite.apiSecret', 'x'), /The secret was not stored: No keyring is running\./);
  assert.equal(refusing.get('kite.apiSecret'), undefined);
  assert.deepEqual(relayed, []);
  assert.equal(refusing.get('kept'), 'v', 'what was stored before still reads');
});
