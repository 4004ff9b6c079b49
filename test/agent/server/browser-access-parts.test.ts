import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BrowserSessions, cookieOf } from '../../../agent/server/browser-sessions';
import { hashPassword, verifyPassword } from '../../../agent/server/password';
import { SignInAttempts } from '../../../agent/server/sign-in-attempts';
import { publicName, SiteGuard } from '../../../agent/server/site-guard';
import { AgentDb } from '../../../agent/store/agent-db';

test('a session lives a week unused, moves on with use, and is kept only as a hash', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-sessions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = new AgentDb(join(dir, 'agent.db'));
  t.after(() => db.close());
  let now = 1_000_000;
  const sessions = new BrowserSessions(db.db, () => now);
  const { value, expiresAt } = sessions.create();
  assert.equal(expiresAt, now + 7 * 86_400_000);
  const rows = db.db.prepare('SELECT hash FROM browser_sessions').all() as Array<{ hash: string }>;
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0]!.hash, value, 'the id itself is not stored');
  now += 6 * 86_400_000;
  assert.equal(sessions.resolve(value)?.kind, 'session', 'used on day six: moved on');
  now += 6 * 86_400_000;
  assert.equal(sessions.resolve(value)?.kind, 'session', 'still alive on day twelve, a week after its last use');
  now += 7 * 86_400_000 + 1;
  assert.equal(sessions.resolve(value), undefined, 'a week unused: over');
  for (const bad of [undefined, '', 'x'.repeat(42), `${'a'.repeat(42)}!`, '__proto__']) assert.equal(sessions.resolve(bad), undefined);
  const again = sessions.create();
  sessions.endAll();
  assert.equal(sessions.resolve(again.value), undefined);
});

test('cookies are read by name from the header, whatever else it holds', () => {
  assert.equal(cookieOf('a=1; algodeck_session=abc; b=2', 'algodeck_session'), 'abc');
  assert.equal(cookieOf('xalgodeck_session=abc', 'algodeck_session'), undefined);
  assert.equal(cookieOf(undefined, 'algodeck_session'), undefined);
  assert.equal(cookieOf('algodeck_session', 'algodeck_session'), undefined);
});

test('passwords: a salted scrypt hash with its parameters, checked exactly', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(await hashPassword('correct horse battery'), stored, 'a new salt each time');
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterY', stored), false);
  assert.equal(await verifyPassword('anything', 'plain-text'), false);
});

test('failed attempts: the sixth in a minute waits until the oldest leaves the window; a success clears', () => {
  let now = 0;
  const attempts = new SignInAttempts(5, 60_000, () => now);
  for (let i = 0; i < 5; i++) {
    assert.equal(attempts.waitMs('1.2.3.4'), 0);
    attempts.failed('1.2.3.4');
    now += 1000;
  }
  assert.equal(attempts.waitMs('1.2.3.4'), 55_000);
  assert.equal(attempts.waitMs('5.6.7.8'), 0, 'per address');
  now = 60_001;
  assert.equal(attempts.waitMs('1.2.3.4'), 0);
  attempts.failed('5.6.7.8');
  attempts.succeeded('5.6.7.8');
  assert.equal(attempts.waitMs('5.6.7.8'), 0);
});

test('the site guard knows the agent by its names and port only', () => {
  const loopback = new SiteGuard('127.0.0.1', 'http');
  loopback.listening(7420);
  for (const host of ['127.0.0.1:7420', 'localhost:7420', 'LOCALHOST:7420', '[::1]:7420']) assert.equal(loopback.allowsHost(host), true, host);
  for (const host of ['evil.example:7420', '127.0.0.1:7421', '127.0.0.1', undefined]) assert.equal(loopback.allowsHost(host), false, String(host));
  assert.equal(loopback.allowsOrigin('http://localhost:7420'), true);
  assert.equal(loopback.allowsOrigin('https://localhost:7420'), false, 'another scheme is another origin');
  assert.equal(loopback.allowsOrigin('null'), false);
  const remote = new SiteGuard('10.0.0.5', 'https', ['agent.example.net']);
  remote.listening(443);
  assert.equal(remote.allowsOrigin('https://agent.example.net:443'), true);
  assert.equal(remote.allowsOrigin('https://agent.example.net'), true, 'the default port is left out by browsers');
  assert.equal(remote.allowsHost('agent.example.net'), true);
  assert.equal(loopback.allowsHost('localhost'), false, 'but not on another port');
  assert.equal(remote.allowsHost('localhost:443'), false, 'a remote agent is not localhost');
});

test('public names: host names and IP addresses, lower-cased; a URL, a port or a bad label is refused with the reason', () => {
  assert.equal(publicName('Agent.Example.NET'), 'agent.example.net');
  assert.equal(publicName(' ec2-3-110-5-7.ap-south-1.compute.amazonaws.com '), 'ec2-3-110-5-7.ap-south-1.compute.amazonaws.com');
  assert.equal(publicName('localhost'), 'localhost');
  assert.equal(publicName('3.110.5.7'), '3.110.5.7');
  assert.equal(publicName('2001:DB8::1'), '[2001:db8::1]');
  assert.equal(publicName('[2001:db8::1]'), '[2001:db8::1]');
  const problems: Array<[string, RegExp]> = [
    ['', /empty/],
    ['https://agent.example.net', /URL/],
    ['agent.example.net/path', /URL/],
    ['agent.example.net:443', /port/],
    ['[2001:db8::1]:443', /port/],
    ['-agent.example.net', /not a host name/],
    ['agent-.example.net', /not a host name/],
    ['agent..example.net', /not a host name/],
    ['agent.example.net.', /not a host name/],
    ['agent_1.example.net', /not a host name/],
    ['agent example.net', /not a host name/],
    ['*.example.net', /not a host name/],
    ['ägent.example.net', /not a host name/],
    [`${'a'.repeat(64)}.example.net`, /not a host name/],
    [Array.from({ length: 64 }, () => 'abcd').join('.'), /not a host name/],
  ];
  for (const [text, problem] of problems) {
    const result = publicName(text);
    assert.equal(typeof result, 'object', text);
    assert.match((result as { problem: string }).problem, problem, text);
  }
  const guard = new SiteGuard('0.0.0.0', 'http', ['agent.example.net', '[2001:db8::1]']);
  guard.listening(7420);
  assert.equal(guard.allowsHost('agent.example.net:7420'), true);
  assert.equal(guard.allowsOrigin('http://[2001:db8::1]:7420'), true);
  assert.equal(guard.allowsHost('other.example.net:7420'), false);
});
