/** The window's remembered bounds: a real file, tampered contents, and displays that changed. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { placeWindow, readWindowState, writeWindowState } from '../../electron/window-state';

const dir = mkdtempSync(join(tmpdir(), 'algodeck-window-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const right = { x: 1920, y: 0, width: 2560, height: 1400 };

test('written and read back, privately; missing or tampered files give the default', () => {
  const file = join(dir, 'sub', 'window.json');
  assert.deepEqual(readWindowState(file), { bounds: null, maximized: false }, 'missing');
  writeWindowState(file, { bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true });
  assert.deepEqual(readWindowState(file), { bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true });
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
  for (const text of ['', '{', 'null', '[]', '{"bounds":{"x":"10","y":0,"width":100,"height":100}}', '{"bounds":{"x":0,"y":0,"width":-5,"height":100}}', '{"bounds":{"x":1e9,"y":0,"width":100,"height":100}}', '{"bounds":{"x":0.5,"y":0,"width":100,"height":100}}', '{"maximized":"yes"}']) {
    writeFileSync(file, text);
    assert.deepEqual(readWindowState(file), { bounds: null, maximized: false }, text);
  }
  assert.equal(readFileSync(file, 'utf8'), '{"maximized":"yes"}', 'a bad file is left as it was, not crashed on');
});

test('the remembered place is used while a display shows it', () => {
  assert.deepEqual(placeWindow({ bounds: { x: 100, y: 50, width: 1300, height: 850 }, maximized: false }, [laptop]), { x: 100, y: 50, width: 1300, height: 850, maximized: false });
  assert.deepEqual(placeWindow({ bounds: { x: 2000, y: 100, width: 1600, height: 1000 }, maximized: true }, [laptop, right]), { x: 2000, y: 100, width: 1600, height: 1000, maximized: true });
  // Too small grows to the minimum; too large shrinks to the display.
  assert.deepEqual(placeWindow({ bounds: { x: 0, y: 0, width: 300, height: 200 }, maximized: false }, [laptop]), { x: 0, y: 0, width: 960, height: 600, maximized: false });
  assert.deepEqual(placeWindow({ bounds: { x: 0, y: 0, width: 5000, height: 3000 }, maximized: false }, [laptop]), { x: 0, y: 0, width: 1920, height: 1050, maximized: false });
});

test('a window on a display that is gone, or above the top, comes back centred on the primary', () => {
  const centred = { x: 240, y: 75, width: 1440, height: 900, maximized: false };
  assert.deepEqual(placeWindow({ bounds: { x: 2000, y: 100, width: 1600, height: 1000 }, maximized: false }, [laptop]), centred, 'the right-hand monitor was unplugged');
  assert.deepEqual(placeWindow({ bounds: { x: 100, y: -300, width: 1200, height: 800 }, maximized: false }, [laptop]), centred, 'title bar above the screen');
  assert.deepEqual(placeWindow({ bounds: { x: -1150, y: 100, width: 1200, height: 800 }, maximized: false }, [laptop]), centred, 'all but a sliver off the left');
  assert.deepEqual(placeWindow({ bounds: null, maximized: false }, [laptop]), centred, 'first run');
  assert.deepEqual(placeWindow({ bounds: null, maximized: false }, [{ x: 0, y: 0, width: 1280, height: 720 }]), { x: 0, y: 0, width: 1280, height: 720, maximized: false }, 'a small screen gets all of it');
});
