import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { KiteConnect } from 'kiteconnect';
import { KiteTestClient, waitFor } from './kite-test-client';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = 'agent/market/sim/kite-sim-cli.ts';

interface Printed {
  'api key': string;
  'api secret': string;
  'access token': string;
  'REST root': string;
  websocket: string;
  'login URL': string;
  'redirect URL': string;
}

/** Starts the CLI on a free port and reads what it prints; the process is always killed after the test. */
async function startCli(t: TestContext, args: string[]): Promise<{ child: ChildProcess; printed: Printed }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  let errors = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  await waitFor(`the CLI's credentials (stderr: ${errors})`, () => output.includes('redirect URL:') || child.exitCode !== null, 20_000);
  assert.equal(child.exitCode, null, errors);
  const printed = Object.fromEntries(
    output.split('\n').flatMap((line) => {
      const match = /^([A-Za-z ]+?):\s+(\S+)$/.exec(line);
      return match ? [[match[1]!, match[2]!]] : [];
    }),
  ) as unknown as Printed;
  return { child, printed };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

test('the CLI serves the emulator with the credentials it is given, and stops cleanly on SIGTERM', { timeout: 30_000 }, async (t) => {
  const { child, printed } = await startCli(t, [
    '--api-key', 'cli-key', '--api-secret', 'cli-secret', '--access-token', 'cli-token', '--redirect-url', 'http://127.0.0.1:9/cb', '--seed', '3',
  ]);
  assert.deepEqual([printed['api key'], printed['api secret'], printed['access token'], printed['redirect URL']], ['cli-key', 'cli-secret', 'cli-token', 'http://127.0.0.1:9/cb']);
  const root = printed['REST root'];
  assert.match(root, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(printed.websocket, root.replace('http:', 'ws:'));
  assert.equal(printed['login URL'], `${root}/connect/login?api_key=cli-key&v=3`);

  const kite = new KiteConnect({ api_key: 'cli-key', root });
  kite.setAccessToken('cli-token');
  assert.equal((await kite.getProfile()).user_id, 'AB1234');
  const ltp = await kite.getLTP('NSE:INFY');
  assert.ok(ltp['NSE:INFY']!.last_price > 0);
  // The login page it printed leads to a session.
  const redirect = await fetch(printed['login URL'], { redirect: 'manual' });
  const location = new URL(redirect.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1:9/cb');
  const session = await new KiteConnect({ api_key: 'cli-key', root }).generateSession(location.searchParams.get('request_token')!, 'cli-secret');
  const ticker = await KiteTestClient.open(printed.websocket, 'cli-key', session.access_token);
  t.after(() => ticker.close());
  ticker.send({ a: 'subscribe', v: [408065] });
  await waitFor('a tick from the CLI’s market', () => ticker.packets.length > 0);
  assert.equal(await stop(child, 'SIGTERM'), 0);
  await waitFor('the ticker to see the close', () => ticker.closed !== null);
});

test('the CLI generates the credentials it is not given, prints them, and stops on SIGINT', { timeout: 30_000 }, async (t) => {
  const { child, printed } = await startCli(t, []);
  assert.match(printed['api key'], /^[A-Za-z0-9]{16}$/);
  assert.match(printed['api secret'], /^[A-Za-z0-9]{32}$/);
  assert.match(printed['access token'], /^[A-Za-z0-9]{32}$/);
  assert.equal(printed['redirect URL'], 'http://127.0.0.1:7420/api/v1/broker/kite/callback');
  const kite = new KiteConnect({ api_key: printed['api key'], root: printed['REST root'] });
  kite.setAccessToken(printed['access token']);
  assert.equal((await kite.getInstruments('NSE')).length, 53);
  assert.equal(await stop(child, 'SIGINT'), 0);
});

test('the CLI refuses bad flags with a reason', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '70000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.notEqual(code, 0);
  assert.match(errors, /--port.*expected a whole number from 0 to 65535/);
});
