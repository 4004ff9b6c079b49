/** The agent's end of tick links: frames in, every way a link goes bad, and its directory. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { TickLinks } from '../../../agent/ticker/tick-link-connector';
import { LINK_MAX_FRAME } from '../../../agent/ticker/tick-link-wire';
import { waitFor } from '../../helpers/test-agent';
import { header, openLinks, rawWorker, recorder, worker } from '../../helpers/tick-link';
import { sleep } from '../../helpers/wait';

test('frames arrive intact and in order, large and small, with their arrival times', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder();
  const client = await worker(links.expect(handlers));
  const big = Uint8Array.from({ length: 1_500_000 }, (_, i) => i % 251); // past both sides' first buffers
  const frames = [Uint8Array.of(1, 2, 3), big, new Uint8Array(0), Uint8Array.of(9)];
  // The client copies: the sender may reuse its memory as soon as send() returns.
  const scratch = new Uint8Array(1_500_000);
  frames.forEach((bytes, i) => {
    scratch.set(bytes);
    client.send(scratch.subarray(0, bytes.byteLength), 1000.5 + i);
    scratch.fill(0xee);
  });
  await waitFor('all frames', () => (received.frames.length === frames.length ? true : undefined));
  assert.deepEqual(received.frames.map((f) => f.receivedAt), [1000.5, 1001.5, 1002.5, 1003.5]);
  received.frames.forEach((f, i) => assert.deepEqual(f.bytes, [...frames[i]!]));
  client.close();
  await waitFor('close', () => (received.closed.length === 1 ? true : undefined));
  assert.match(received.closed[0]!, /closed its tick link/);
});

test('a bad header or a frame the agent refuses ends the link with the reason', async (t) => {
  const links = openLinks(t);
  const cases: Array<[Buffer, RegExp, ((bytes: Uint8Array) => string | undefined)?]> = [
    [header(LINK_MAX_FRAME + 1, 1), /past the .* limit/],
    [header(0, Number.NaN), /no valid arrival time/],
    [Buffer.concat([header(1, 1), Buffer.of(0)]), /refused/, () => 'refused'],
  ];
  for (const [bytes, reason, answer] of cases) {
    const { received, handlers } = recorder(answer);
    const expected = links.expect(handlers);
    const server = await rawWorker(expected.path, bytes);
    expected.connect();
    await waitFor('the link to end', () => (received.closed.length === 1 ? true : undefined));
    assert.match(received.closed[0]!, reason);
    server.close();
  }
});

test('a frame handler that throws ends that link, not the process', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder(() => {
    throw new Error('boom');
  });
  const client = await worker(links.expect(handlers));
  client.send(Uint8Array.of(1), 1);
  await waitFor('the link to end', () => (received.closed.length === 1 ? true : undefined));
  assert.match(received.closed[0]!, /failed to route a frame: boom/);
});

test('no worker on the path is a closed link with the reason', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder();
  links.expect(handlers).connect();
  await waitFor('the failure', () => (received.closed.length === 1 ? true : undefined));
  assert.match(received.closed[0]!, /tick link: .*(ENOENT|ECONNREFUSED)/);
});

test('cancel() ends an open link without reporting it as a failure; close() removes the directory', async () => {
  const links = TickLinks.open();
  const { received, handlers } = recorder();
  const expected = links.expect(handlers);
  const client = await worker(expected);
  const ended = new Promise<void>((resolve) => client.onClose(() => resolve()));
  client.send(Uint8Array.of(1), 1);
  await waitFor('the frame', () => (received.frames.length === 1 ? true : undefined));
  expected.cancel();
  await ended;
  const never = links.expect(recorder().handlers);
  never.cancel();
  never.connect(); // a cancelled link is never made
  await sleep(50);
  assert.deepEqual(received.closed, []);
  links.close();
  if (process.platform !== 'win32') assert.equal(existsSync(dirname(expected.path)), false);
});

test('a new agent removes the link directories of agents that died without cleaning up, and only those', async () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
  const abandoned = mkdtempSync(join(tmpdir(), 'algodeck-'));
  writeFileSync(join(abandoned, 'agent.pid'), String(dead));
  const live = mkdtempSync(join(tmpdir(), 'algodeck-'));
  writeFileSync(join(live, 'agent.pid'), String(process.pid));
  const unowned = mkdtempSync(join(tmpdir(), 'algodeck-')); // someone else's use of the prefix
  try {
    const links = TickLinks.open();
    links.close();
    assert.equal(existsSync(abandoned), false, 'the dead agent’s directory is gone');
    assert.equal(existsSync(live), true, 'a running agent’s directory stays');
    assert.equal(existsSync(unowned), true, 'a directory without an owner file stays');
  } finally {
    for (const dir of [abandoned, live, unowned]) rmSync(dir, { recursive: true, force: true });
  }
});
