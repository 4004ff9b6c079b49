import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { FileSecretStore, SECRETS_FILE } from '../../../agent/broker/secret-store';

function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('secrets are kept in a 0600 file and survive a new store on the same dir', (t) => {
  const dir = dataDir(t);
  const store = new FileSecretStore(dir);
  assert.equal(store.get('kite.apiSecret'), undefined);
  store.set('kite.apiSecret', 's3cret');
  store.set('kite.accessToken', 'tok');
  assert.equal(statSync(join(dir, SECRETS_FILE)).mode & 0o777, 0o600);
  const again = new FileSecretStore(dir);
  assert.equal(again.get('kite.apiSecret'), 's3cret');
  again.delete('kite.accessToken');
  assert.equal(new FileSecretStore(dir).get('kite.accessToken'), undefined);
  assert.deepEqual(readdirSync(dir), [SECRETS_FILE], 'no temporary file is left behind');
  assert.throws(() => store.set('x', ''), /empty secret/);
});

test('a file others can read is made private on load', (t) => {
  const dir = dataDir(t);
  writeFileSync(join(dir, SECRETS_FILE), '{"a":"b"}');
  chmodSync(join(dir, SECRETS_FILE), 0o644);
  assert.equal(new FileSecretStore(dir).get('a'), 'b');
  assert.equal(statSync(join(dir, SECRETS_FILE)).mode & 0o777, 0o600);
});

test('an unreadable file is set aside and told, not crashed on, and a fresh one is started', (t) => {
  for (const [text, reason] of [['{oops', 'not JSON'], ['[1,2]', 'not a JSON object'], ['{"a":1}', 'a value is not a string']] as const) {
    const dir = dataDir(t);
    writeFileSync(join(dir, SECRETS_FILE), text, { mode: 0o600 });
    const told: string[] = [];
    const store = new FileSecretStore(dir, (movedTo, why) => told.push(`${movedTo}|${why}`));
    assert.equal(told.length, 1);
    const [movedTo, why] = told[0]!.split('|');
    assert.equal(why, reason);
    assert.equal(readFileSync(movedTo!, 'utf8'), text, 'the old file is kept for the user');
    store.set('k', 'v');
    assert.equal(new FileSecretStore(dir).get('k'), 'v');
  }
});
