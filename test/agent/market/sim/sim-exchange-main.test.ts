import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ChildProcessHost } from '../../../../agent/process/child-process-host';
import { simExchangeReplySchema, type SimExchangeReply, type SimExchangeRequest } from '../../../../agent/market/sim/sim-exchange-protocol';
import { KiteTestClient, waitFor } from './kite-test-client';

const entry = fileURLToPath(new URL('../../../../agent/market/sim/sim-exchange-main.ts', import.meta.url));

test('runs the exchange in its own process: bad input, start, ticks, stop', { timeout: 15_000 }, async (t) => {
  const child = new ChildProcessHost().spawn(entry, { name: 'sim-exchange-test' });
  t.after(() => child.kill('SIGKILL'));
  const replies: SimExchangeReply[] = [];
  child.onMessage((message) => replies.push(simExchangeReplySchema.parse(message)));
  let exitCode: number | null | undefined;
  child.onExit((code) => {
    exitCode = code;
  });
  const send = (message: SimExchangeRequest | Record<string, unknown>) => assert.ok(child.send(message));

  send({ type: 'start', options: { apiKey: 'k', accessToken: 't', generated: 9001 } });
  send({ type: 'launch' });
  await waitFor('two errors', () => replies.length >= 2, 10_000);
  assert.deepEqual(replies.map((r) => r.type), ['error', 'error']);
  assert.match((replies[0] as { message: string }).message, /generated/);

  const historyFrom = Math.floor(Date.now() / 60_000) * 60_000;
  send({ type: 'start', options: { apiKey: 'k', accessToken: 't', generated: 5, seed: 3, ticksPerSecond: 20, historyFrom } });
  const started = await waitFor('started', () => replies.find((r) => r.type === 'started'), 10_000);
  assert.match(started.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(started.url, `ws://127.0.0.1:${started.port}`);

  const client = await KiteTestClient.open(started.url, 'k', 't');
  t.after(() => client.close());
  client.send({ a: 'subscribe', v: [408065] });
  await waitFor('ticks', () => client.packetsOf(408065).length >= 2);

  send({ type: 'start', options: { apiKey: 'k', accessToken: 't' } });
  await waitFor('already started', () => replies.length === 4);
  assert.match((replies[3] as { message: string }).message, /already started/);

  send({ type: 'stop' });
  await waitFor('exit', () => exitCode !== undefined, 5000);
  assert.equal(exitCode, 0);
  await waitFor('the client to see the close', () => client.closed !== null);
});
