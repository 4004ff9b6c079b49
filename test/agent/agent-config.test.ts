import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveToken, TOKEN_FILE } from '../../agent/agent-config';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('without a token one is generated once, kept with mode 0600, and reused', (t) => {
  const dir = tempDir(t);
  const first = resolveToken(dir, undefined);
  assert.equal(first.generated, true);
  assert.equal(first.file, join(dir, TOKEN_FILE));
  assert.equal(statSync(first.file!).mode & 0o777, 0o600);
  assert.equal(readFileSync(first.file!, 'utf8').trim(), first.token);
  const second = resolveToken(dir, undefined);
  assert.deepEqual([second.token, second.generated], [first.token, false]);
});

test('a given token wins and is not written anywhere', (t) => {
  const dir = tempDir(t);
  const resolved = resolveToken(dir, 'given-token-0123456789');
  assert.deepEqual(resolved, { token: 'given-token-0123456789', file: undefined, generated: false });
  assert.throws(() => statSync(join(dir, TOKEN_FILE)));
});

test('weak tokens are refused; a too-open token file is tightened; an empty one replaced', (t) => {
  const dir = tempDir(t);
  for (const weak of ['', 'short', 'has spaces in it 0123456789', 'slash/in/it/0123456789', 'base64-padding-0123456789==', 'colon:0123456789abcdef', 'caf\u00e9-0123456789abcdef']) {
    assert.throws(() => resolveToken(dir, weak), /at least 16/, weak);
  }
  assert.equal(resolveToken(dir, 'Good.token_with~all+chars-09').token, 'Good.token_with~all+chars-09');
  const file = join(dir, TOKEN_FILE);
  writeFileSync(file, 'stored-token-0123456789\n');
  chmodSync(file, 0o644);
  assert.equal(resolveToken(dir, undefined).token, 'stored-token-0123456789');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  writeFileSync(file, '\n');
  const replaced = resolveToken(dir, undefined);
  assert.equal(replaced.generated, true);
  assert.ok(replaced.token.length >= 43);
});
