/** The desktop window's security policy, with hostile inputs: preferences, CSP, agents, IPC senders, navigation, links. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentAddress, APP_ENTRY, contentSecurityPolicy, externalUrlAllowed, isTrustedSender, navigationAllowed, webPreferences } from '../../electron/window-policy';

test('every window is isolated and sandboxed, with no Node and no webview', () => {
  const preferences = webPreferences('/app/preload.cjs');
  assert.equal(preferences.preload, '/app/preload.cjs');
  for (const [key, value] of Object.entries({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, experimentalFeatures: false, webviewTag: false })) {
    assert.equal(preferences[key as keyof typeof preferences], value, key);
  }
  assert.equal('preload' in webPreferences(undefined), false, 'a window without a preload gets none');
});

test('agent addresses: loopback may be http, anything else must be https; only a bare origin is taken', () => {
  const good: Array<[string, string, string]> = [
    ['http://127.0.0.1:7420', 'http://127.0.0.1:7420', 'ws://127.0.0.1:7420'],
    ['http://localhost:7420/', 'http://localhost:7420', 'ws://localhost:7420'],
    ['http://[::1]:7420', 'http://[::1]:7420', 'ws://[::1]:7420'],
    ['https://hub.example.com:7420', 'https://hub.example.com:7420', 'wss://hub.example.com:7420'],
    ['https://HUB.Example.com', 'https://hub.example.com', 'wss://hub.example.com'],
  ];
  for (const [url, origin, streamOrigin] of good) assert.deepEqual(agentAddress(url), { ok: true, origin, streamOrigin }, url);
  const bad: Array<[string, string]> = [
    ['', 'not_a_url'],
    ['127.0.0.1:7420', 'not_a_url'],
    ['localhost:7420', 'unsupported_scheme'],
    ['hub.example.com', 'not_a_url'],
    ['http://hub.example.com:7420', 'tls_required'],
    ['http://10.0.0.5:7420', 'tls_required'],
    ['http://127.0.0.1.evil.com', 'tls_required'],
    ['http://localhost.evil.com', 'tls_required'],
    ['ws://127.0.0.1:7420', 'unsupported_scheme'],
    ['file:///etc/passwd', 'unsupported_scheme'],
    ['javascript:alert(1)', 'unsupported_scheme'],
    ['https://user:pass@hub.example.com', 'credentials_in_url'],
    ['https://hub.example.com/api', 'not_an_origin'],
    ['https://hub.example.com/?token=x', 'not_an_origin'],
    ['https://hub.example.com/#x', 'not_an_origin'],
  ];
  for (const [url, problem] of bad) assert.deepEqual(agentAddress(url), { ok: false, problem }, url);
});

test('the page may connect to its agents and nothing else; scripts only from itself', () => {
  const csp = contentSecurityPolicy(['http://127.0.0.1:7420', 'https://hub.example.com:8443', 'http://evil.example.com', 'not a url']);
  const directives = Object.fromEntries(csp.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));
  assert.deepEqual(directives['connect-src'], ["'self'", 'http://127.0.0.1:7420', 'https://hub.example.com:8443', 'ws://127.0.0.1:7420', 'wss://hub.example.com:8443']);
  assert.deepEqual(directives['script-src'], ["'self'"]);
  assert.deepEqual(directives['default-src'], ["'self'"]);
  for (const none of ['object-src', 'base-uri', 'form-action', 'frame-ancestors', 'frame-src']) assert.deepEqual(directives[none], ["'none'"], none);
  assert.equal(csp.includes('unsafe-eval'), false);
});

test('IPC is answered only for the app\'s own top frame', () => {
  assert.equal(isTrustedSender({ url: APP_ENTRY, isMainFrame: true }), true);
  assert.equal(isTrustedSender({ url: 'app://algodeck/index.html#/market', isMainFrame: true }), true);
  const hostile: Array<{ url: string; isMainFrame?: boolean } | null | undefined> = [
    null,
    undefined,
    { url: APP_ENTRY, isMainFrame: false },
    { url: 'app://algodeck.evil/index.html' },
    { url: 'app://evil/index.html' },
    { url: 'app://algodeck@evil/index.html' },
    { url: 'app://user:pw@algodeck/index.html' },
    { url: 'app://algodeck:8080/index.html' },
    { url: 'app://ALGODECK/index.html' },
    { url: 'file:///app/index.html' },
    { url: 'http://127.0.0.1:7420/' },
    { url: 'https://kite.zerodha.com/' },
    { url: 'about:blank' },
    { url: 'data:text/html,<script>1</script>' },
    { url: '' },
  ];
  for (const frame of hostile) assert.equal(isTrustedSender(frame), false, JSON.stringify(frame));
});

test('the window never leaves the app', () => {
  assert.equal(navigationAllowed('app://algodeck/index.html#/ticker'), true);
  for (const url of ['https://kite.zerodha.com/connect/login', 'http://127.0.0.1:7420/', 'file:///etc/passwd', 'app://evil/', 'javascript:alert(1)', 'about:blank', 'chrome://settings']) {
    assert.equal(navigationAllowed(url), false, url);
  }
});

test('links open in the OS browser only for https on allowed hosts, or the user\'s own agents', () => {
  const agents = ['http://127.0.0.1:7420', 'https://hub.example.com'];
  for (const url of ['https://kite.zerodha.com/connect/login?v=3&api_key=x', 'https://kite.trade/docs/connect/v3/', 'http://127.0.0.1:7420/', 'https://hub.example.com/#/ticker']) {
    assert.equal(externalUrlAllowed(url, agents), true, url);
  }
  const hostile = [
    'http://kite.zerodha.com/',
    'https://kite.zerodha.com.evil.com/',
    'https://evilkite.zerodha.com.example/',
    'https://evil.com/?next=https://kite.zerodha.com',
    'https://evil.com/kite.zerodha.com',
    'https://user:pw@kite.zerodha.com/',
    'https://kite.zerodha.com:8443/',
    'https://xn--kite-zerodha-com.example/',
    'http://127.0.0.1:7421/',
    'http://hub.example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://server/share',
    'ms-settings:',
    'not a url',
  ];
  for (const url of hostile) assert.equal(externalUrlAllowed(url, agents), false, url);
});
