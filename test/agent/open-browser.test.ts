import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from 'pino';
import { openBrowser, openCommand, reasonNotToOpen, type OpenContext } from '../../agent/open-browser';
import { waitFor } from '../helpers/wait';

const desk: OpenContext = { wanted: true, stdoutIsTTY: true, env: { DISPLAY: ':0' }, platform: 'linux' };

test('the browser opens only for someone at this machine\'s screen', () => {
  assert.equal(reasonNotToOpen(desk), null);
  assert.equal(reasonNotToOpen({ ...desk, env: { WAYLAND_DISPLAY: 'wayland-0' } }), null);
  assert.equal(reasonNotToOpen({ ...desk, platform: 'darwin', env: {} }), null, 'macOS and Windows always have a screen');
  assert.equal(reasonNotToOpen({ ...desk, platform: 'win32', env: {} }), null);
  assert.equal(reasonNotToOpen({ ...desk, env: { DISPLAY: ':0', CI: 'false' } }), null, 'CI=false says it is not CI');
  assert.equal(reasonNotToOpen({ ...desk, wanted: false }), '--no-open');
  assert.equal(reasonNotToOpen({ ...desk, stdoutIsTTY: false }), 'the output is not a terminal');
  for (const ci of ['true', '1', 'github']) assert.equal(reasonNotToOpen({ ...desk, env: { DISPLAY: ':0', CI: ci } }), 'running in CI', ci);
  assert.equal(reasonNotToOpen({ ...desk, env: { DISPLAY: ':0', SSH_CONNECTION: '10.0.0.2 51000 10.0.0.5 22' } }), 'a remote (SSH) session');
  assert.equal(reasonNotToOpen({ ...desk, platform: 'darwin', env: { SSH_TTY: '/dev/pts/1' } }), 'a remote (SSH) session');
  assert.equal(reasonNotToOpen({ ...desk, env: {} }), 'no graphical session', 'a Linux console or server');
  assert.equal(reasonNotToOpen({ ...desk, platform: 'freebsd', env: {} }), 'no graphical session');
});

test('each OS hands the URL to its default browser', () => {
  const url = 'http://127.0.0.1:7420/';
  assert.deepEqual(openCommand('linux', url), { command: 'xdg-open', args: [url] });
  assert.deepEqual(openCommand('darwin', url), { command: 'open', args: [url] });
  assert.deepEqual(openCommand('win32', url), { command: 'cmd', args: ['/c', 'start', '""', url] });
});

test('a failure to open is a log line, never an error; an unexpected URL is not handed to a shell', async () => {
  const warnings: string[] = [];
  const log = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as Logger;
  openBrowser('http://127.0.0.1:7420/?x=1&calc', log, 'linux');
  assert.deepEqual(warnings, ['not opening the browser: unexpected URL']);
  // No opener to be found: spawn fails, and says so in the log.
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    openBrowser('http://127.0.0.1:7420/', log, 'linux');
  } finally {
    process.env.PATH = path;
  }
  await waitFor('the failed spawn\'s log line', () => warnings.length === 2);
  assert.equal(warnings[1], 'could not open the browser');
});
