/**
 * The desktop app's session in the page, against real agents and the shell's real IPC answers
 * (DesktopService, through the same bridge and unwrapping the preload and the page use): the
 * embedded agent waited for and then a reload, no sign-in, and a remote agent that is down told
 * apart from one that is starting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DesktopService } from '../../../electron/desktop-service';
import { probeAgent, RemoteAgents } from '../../../electron/remote-agents';
import { DESKTOP_CHANNELS, type DesktopMethod } from '../../../shared/desktop';
import { desktopApi, desktopBridge } from '../../../shared/desktop-client';
import { createDesktopSessionStore } from '../../../renderer/src/stores/session-store';
import { MemorySecrets } from '../../helpers/desktop';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

let embedded: TestAgent;
let remote: TestAgent;
const dir = mkdtempSync(join(tmpdir(), 'algodeck-desktop-session-'));
before(async () => {
  [embedded, remote] = await Promise.all([startTestAgent({ workers: 1 }), startTestAgent({ workers: 1 })]);
});
after(async () => {
  await Promise.all([embedded?.stop(), remote?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function shell(name: string, up: () => boolean) {
  const service = new DesktopService({
    agents: new RemoteAgents(join(dir, name, 'agents.json'), new MemorySecrets()),
    embedded: () => (up() ? { url: embedded.agent.url, token: TEST_TOKEN } : null),
    embeddedProblem: () => null,
    probe: (origin, token) => probeAgent((url, init) => fetch(url, init), origin, token),
    openExternal: async () => undefined,
    brokerLogin: async () => ({ ok: false, message: '' }),
    startAtLogin: { get: () => false, set: () => undefined },
    provider: { get: () => 'sim', set: async () => undefined },
    secretStorageProblem: () => null,
  });
  const methodOf = new Map<string, DesktopMethod>(Object.entries(DESKTOP_CHANNELS).map(([method, channel]) => [channel, method as DesktopMethod]));
  const page = desktopApi(desktopBridge((channel, ...args) => service.handle(methodOf.get(channel)!, args), () => () => undefined));
  return { service, page };
}

test('while the embedded agent starts the page waits and asks again; once it is up, the page reloads (its CSP can name it now)', async () => {
  let up = false;
  let reloads = 0;
  const { page } = shell('starting', () => up);
  const store = createDesktopSessionStore(page, (url, init) => fetch(url, init), () => reloads++, 50);
  await store.getState().check();
  assert.equal(store.getState().status, 'unreachable');
  assert.equal(store.getState().error?.code, 'starting');
  up = true;
  await waitFor('a reload once the agent is up', () => reloads === 1, 5_000);
  // The reloaded page finds it at once: signed in with the shell's token, no sign-in page.
  const reloaded = createDesktopSessionStore(page, (url, init) => fetch(url, init), () => reloads++, 50);
  await reloaded.getState().check();
  assert.equal(reloaded.getState().status, 'signed-in');
  assert.deepEqual(reloaded.getState().target, { url: embedded.agent.url, token: TEST_TOKEN, desktop: { id: 'embedded', name: 'This computer', url: embedded.agent.url, embedded: true } });
  assert.equal(reloaded.getState().info?.principal, 'owner');
});

test('a remote agent that is down is unreachable (not "starting"), with its target kept for the certificate notice; no retry loop', async () => {
  let reloads = 0;
  const { page } = shell('remote', () => true);
  await page.addAgent({ name: 'Remote', url: remote.agent.url, token: TEST_TOKEN });
  const id = (await page.listAgents()).agents[1]!.id;
  await page.selectAgent(id);
  const url = remote.agent.url;
  await remote.stop();
  const store = createDesktopSessionStore(page, (target, init) => fetch(target, init), () => reloads++, 50);
  await store.getState().check();
  assert.equal(store.getState().status, 'unreachable');
  assert.equal(store.getState().error?.code, 'unavailable');
  assert.equal(store.getState().error?.message, 'The agent cannot be reached.');
  assert.equal(store.getState().target?.url, url);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(reloads, 0);
  store.getState().ended();
  assert.match(store.getState().error?.message ?? '', /no longer accepts the token/);
});
