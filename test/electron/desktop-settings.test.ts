/** The desktop app's own settings file: written privately and whole, read back; missing or tampered gives the defaults. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_DESKTOP_SETTINGS, readDesktopSettings, writeDesktopSettings } from '../../electron/desktop-settings';

const dir = mkdtempSync(join(tmpdir(), 'algodeck-desktop-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('written and read back; private to its owner', () => {
  const file = join(dir, 'a', 'desktop-settings.json');
  assert.deepEqual(readDesktopSettings(file), DEFAULT_DESKTOP_SETTINGS, 'no file: the simulated market');
  writeDesktopSettings(file, { provider: 'kite' });
  assert.deepEqual(readDesktopSettings(file), { provider: 'kite' });
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a tampered or unreadable file gives the defaults, never a provider that does not exist', () => {
  const file = join(dir, 'bad.json');
  for (const text of ['{not json', '[]', 'null', '{"provider":"binance"}', '{"provider":{"kite":true}}', '']) {
    writeFileSync(file, text);
    assert.deepEqual(readDesktopSettings(file), { provider: 'sim' }, text);
  }
});
