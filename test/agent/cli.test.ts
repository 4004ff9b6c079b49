import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSimTickerServer } from '../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../agent/market/sim/universe';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'agent/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env, ALGODECK_TOKEN: env.ALGODECK_TOKEN ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

test('the CLI starts a headless agent that generates, stores and prints where its token is', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-cli-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { child, output, exited } = runCli(['--port', '0', '--data-dir', dataDir, '--workers', '1']);
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  while (!/API token: .*\n/.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = /listening on (http:\/\/\S+)/.exec(output())?.[1];
  assert.ok(url, output());
  // The dashboard's address, on a line of its own; not opened, the output being a pipe.
  assert.match(output(), new RegExp(`\\n\\n {2}Dashboard: ${url}/( \\(not built yet: run npm run build\\))?\\n`));
  assert.ok(!output().includes('could not open the browser'), output());
  const tokenFile = join(dataDir, 'agent-token');
  assert.match(output(), new RegExp(`token: stored in ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.ok(!output().includes(token), 'the token itself is never printed');
  const health = await fetch(`${url}/api/v1/health`);
  assert.equal(health.status, 200);
  const ticker = await fetch(`${url}/api/v1/ticker`, { headers: { authorization: `Bearer ${token}` } });
  const state = (await ticker.json()) as { workers: unknown[]; subscriptions: Array<{ instrument: string; mode: string }> };
  assert.equal(state.workers.length, 1);
  // A fresh agent on the simulated market carries the NIFTY 50 and the two indices at once.
  assert.equal(state.subscriptions.length, 52);
  assert.ok(state.subscriptions.some((s) => s.instrument === 'NSE:NIFTY 50' && s.mode === 'full'));
  // Output piped, no --log-format: the logs are JSON lines, between the human ones.
  const ready = output().split('\n').find((line) => line.includes('AlgoDeck agent ready'));
  assert.equal((JSON.parse(ready!) as { url?: string }).url, url);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, 'a clean stop on SIGTERM');
});

test('--log-format pretty prints human log lines even through a pipe', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-cli-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { child, output, exited } = runCli(['--port', '0', '--data-dir', dataDir, '--workers', '1', '--log-format', 'pretty']);
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  while (!/API token: .*\n/.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output());
  const lines = output().split('\n');
  assert.ok(lines.some((line) => /^\[[\d:.]+\] INFO: AlgoDeck agent ready$/.test(line)), output());
  assert.ok(lines.some((line) => /^\[[\d:.]+\] INFO: stopping$/.test(line)), output());
  assert.ok(!lines.some((line) => line.startsWith('{')), `no JSON lines:\n${output()}`);
});

test('--provider kite --kite-root starts against the Kite emulator and waits for the daily login', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-cli-'));
  const emulator = await startSimTickerServer({ universe: buildUniverse({ generated: 0 }), apiKey: 'clikey01', accessToken: 'unused-token' });
  t.after(async () => {
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const token = 'cli-test-token-0123456789';
  const args = ['--port', '0', '--data-dir', dataDir, '--workers', '1', '--provider', 'kite', '--kite-root', emulator.httpUrl, '--kite-api-key', 'clikey01'];
  const { child, output } = runCli(args, { ALGODECK_TOKEN: token, KITE_API_SECRET: emulator.apiSecret });
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  while (!/API token: .*\n/.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = /listening on (http:\/\/\S+)/.exec(output())?.[1];
  assert.ok(url, output());
  const broker = (await (await fetch(`${url}/api/v1/broker`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
  assert.equal(broker.provider, 'kite');
  assert.equal(broker.session, 'needs-login');
  assert.deepEqual(broker.credentials, { apiKey: 'clikey01', apiSecretSet: true, store: 'file' });
  const login = (await (await fetch(`${url}/api/v1/broker/login-url`, { headers: { authorization: `Bearer ${token}` } })).json()) as { url: string };
  assert.ok(login.url.startsWith(`${emulator.httpUrl}/connect/login?v=3&api_key=clikey01&`), login.url);
  assert.ok(!output().includes(emulator.apiSecret), 'the secret is never printed');
});

test('--public-name (repeated, or a comma list) is a name the site guard accepts, and the dashboard\'s address; --no-open is taken', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-cli-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const args = ['--port', '0', '--data-dir', dataDir, '--workers', '1', '--public-name', 'Agent.Example.net,10.1.2.3', '--public-name', 'other.example.net', '--no-open'];
  const { child, output, exited } = runCli(args);
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  while (!/Dashboard: .*\n/.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = /listening on (http:\/\/\S+)/.exec(output())?.[1];
  assert.ok(url, output());
  const port = new URL(url).port;
  assert.match(output(), new RegExp(`Dashboard: http://agent\\.example\\.net:${port}/`));
  const status = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
  // 200 once the dashboard is built, 503 before; never the guard's 403.
  for (const host of [`agent.example.net:${port}`, `10.1.2.3:${port}`, `other.example.net:${port}`]) assert.notEqual(await status(host), 403, host);
  assert.equal(await status(`evil.example:${port}`), 403);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output());
});

test('the CLI refuses bad flags with a message and a non-zero exit', async () => {
  for (const [args, message] of [
    [['--public-name', 'agent.example.net:443'], /--public-name.*port/],
    [['--public-name', 'https://agent.example.net'], /--public-name.*URL/],
    [['--public-name', 'good.example,bad_name.example'], /--public-name.*not a host name/],
    [['--provider', 'kite', '--kite-market-protection', '0'], /--kite-market-protection.*above 0 and at most 100, or -1/],
    [['--provider', 'kite', '--kite-market-protection', 'lots'], /--kite-market-protection.*a percentage/],
    [['--kite-market-protection', '2'], /--kite-market-protection need --provider kite/],
  ] as const) {
    const { output, exited } = runCli([...args]);
    assert.notEqual(await exited, 0, args.join(' '));
    assert.match(output(), message, args.join(' '));
  }
  for (const args of [['--kite-root', 'http://127.0.0.1:9'], ['--provider', 'kite', '--kite-root', 'ftp://x', '--port', '0'], ['--workers', '0'], ['--port', 'http'], ['--provider', 'nasdaq'], ['--sim-instruments', '9001'], ['--log-format', 'xml'], ['--host', '0.0.0.0', '--port', '0', '--token', 'cli-test-token-0123456789']]) {
    const { output, exited } = runCli(args);
    const code = await exited;
    assert.notEqual(code, 0, args.join(' '));
    assert.match(output(), /error|refusing|could not start/i, args.join(' '));
  }
});
