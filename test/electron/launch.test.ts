/** `npm start`: the desktop app where it can run, else the cockpit in the browser with the reason; `--desktop` insists. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseLaunch, electronBinary } from '../../electron/launch';

const desktopLinux = { DISPLAY: ':0' };

test('the browser when asked, in CI, over SSH without a display, or on Linux with no display at all', () => {
  const cases: Array<[string[], NodeJS.ProcessEnv, NodeJS.Platform, string]> = [
    [['--browser'], desktopLinux, 'linux', 'asked for with --browser'],
    [[], { ...desktopLinux, CI: 'true' }, 'linux', 'running in CI'],
    [[], { SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' }, 'darwin', 'an SSH session has no display'],
    [[], {}, 'linux', 'no display (DISPLAY and WAYLAND_DISPLAY are unset)'],
  ];
  for (const [args, env, platform, why] of cases) assert.deepEqual(chooseLaunch({ args, env, platform }), { kind: 'browser', why }, why);
});

test('the desktop app on a desktop (X11, Wayland, macOS, Windows), and always with --desktop', () => {
  assert.deepEqual(chooseLaunch({ args: [], env: desktopLinux, platform: 'linux' }), { kind: 'desktop' });
  assert.deepEqual(chooseLaunch({ args: [], env: { WAYLAND_DISPLAY: 'wayland-0' }, platform: 'linux' }), { kind: 'desktop' });
  assert.deepEqual(chooseLaunch({ args: [], env: {}, platform: 'darwin' }), { kind: 'desktop' });
  assert.deepEqual(chooseLaunch({ args: [], env: {}, platform: 'win32' }), { kind: 'desktop' });
  assert.deepEqual(chooseLaunch({ args: ['--desktop'], env: { CI: 'true' }, platform: 'linux' }), { kind: 'desktop' });
});

test("Electron's binary: its path when present, else the package's own reason", () => {
  assert.deepEqual(electronBinary(() => process.execPath), { path: process.execPath });
  assert.deepEqual(electronBinary(() => '/nowhere/electron'), { problem: 'its binary is missing' });
  assert.deepEqual(
    electronBinary(() => {
      throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again\nmore');
    }),
    { problem: 'Electron failed to install correctly, please delete node_modules/electron and try installing again' },
  );
  // Here npm does not run Electron's install script: the real package says so.
  const real = electronBinary();
  assert.ok('path' in real || /install/.test(real.problem), JSON.stringify(real));
});
