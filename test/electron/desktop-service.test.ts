/**
 * The desktop's IPC answers and its list of agents, against real agents: one on loopback, one on
 * TLS with a self-signed certificate (refused unless the system trusts it; here trusted by giving
 * the probe its CA, as installing it would). Tokens go to the keychain file, never in the list.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { type DesktopAgents, type DesktopConnection, type DesktopResult, EMBEDDED_AGENT_ID } from '../../shared/desktop';
import { DesktopService, type DesktopServiceDeps } from '../../electron/desktop-service';
import { probeAgent, RemoteAgents } from '../../electron/remote-agents';
import { MemorySecrets, probeFetch } from '../helpers/desktop';
import { freePort } from '../helpers/os';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../helpers/test-agent';

const fixtures = new URL('../fixtures/tls/', import.meta.url);
const cert = readFileSync(new URL('localhost.crt', fixtures));
const dir = mkdtempSync(join(tmpdir(), 'algodeck-desktop-'));
let plain: TestAgent;
let secure: TestAgent;
let secureOrigin: string;

before(async () => {
  [plain, secure] = await Promise.all([
    startTestAgent({ workers: 1 }),
    startTestAgent({ workers: 1, tls: { cert, key: readFileSync(new URL('localhost.key', fixtures)) } }),
  ]);
  secureOrigin = `https://localhost:${new URL(secure.agent.url).port}`;
});
after(async () => {
  await Promise.all([plain.stop(), secure.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function service(name: string, ca?: Buffer) {
  const tokens = new MemorySecrets();
  const file = join(dir, name, 'agents.json');
  const agents = new RemoteAgents(file, tokens);
  const opened: string[] = [];
  const restarts: string[] = [];
  let startAtLogin = false;
  let provider: 'sim' | 'kite' = 'sim';
  const deps: DesktopServiceDeps = {
    agents,
    embedded: () => ({ url: plain.agent.url, token: TEST_TOKEN }),
    embeddedProblem: () => null,
    probe: (origin, token) => probeAgent(probeFetch(ca), origin, token),
    openExternal: async (url) => void opened.push(url),
    brokerLogin: async (connection) => ({ ok: true, message: `login for ${connection.agent.name}` }),
    startAtLogin: { get: () => startAtLogin, set: (on) => void (startAtLogin = on) },
    provider: {
      get: () => provider,
      set: async (next) => {
        restarts.push(next);
        if (next === 'kite' && tokens.refusal === 'kite will not start') throw new Error('port 7420 is in use');
        provider = next;
      },
    },
    secretStorageProblem: () => tokens.refusal,
  };
  return { desktop: new DesktopService(deps), tokens, file, agents, opened, restarts };
}


function value<T>(result: DesktopResult<unknown>): T {
  assert.equal(result.ok, true, JSON.stringify(result));
  return (result as { value: T }).value;
}
function refusal(result: DesktopResult<unknown>) {
  assert.equal(result.ok, false, JSON.stringify(result));
  return (result as { error: { code: string; message: string; field?: string } }).error;
}

test('the embedded agent is listed and selected first; its connection carries its token', async () => {
  const { desktop } = service('first');
  const list = value<DesktopAgents>(await desktop.handle('listAgents', []));
  assert.deepEqual(list, { agents: [{ id: EMBEDDED_AGENT_ID, name: 'This computer', url: plain.agent.url, embedded: true }], selected: EMBEDDED_AGENT_ID });
  const connection = value<DesktopConnection>(await desktop.handle('connection', []));
  assert.equal(connection.token, TEST_TOKEN);
  assert.equal(connection.agent.url, plain.agent.url);
});

test('a remote agent over TLS is added once it answers, its token kept in the keychain only, and selected', async () => {
  const { desktop, tokens, file } = service('tls', cert);
  const list = value<DesktopAgents>(await desktop.handle('addAgent', [{ name: '  EC2 Mumbai ', url: `${secureOrigin}/`, token: TEST_TOKEN }]));
  const added = list.agents[1]!;
  assert.equal(added.name, 'EC2 Mumbai');
  assert.equal(added.url, secureOrigin, 'stored as an origin');
  assert.equal(readFileSync(file, 'utf8').includes(TEST_TOKEN), false, 'no token in the list file');
  assert.deepEqual(Object.values(tokens.values), [TEST_TOKEN]);
  const connection = value<DesktopConnection>(await desktop.handle('selectAgent', [added.id]));
  assert.deepEqual(connection, { agent: added, token: TEST_TOKEN });
  // A restart of the app finds the same list and selection.
  const again = new DesktopService({ ...service('unused').desktop['deps'], agents: new RemoteAgents(file, tokens) });
  assert.equal(value<DesktopConnection>(await again.handle('connection', [])).agent.id, added.id);
  assert.ok(desktop.agentUrls().includes(secureOrigin), 'the page may connect to it');
});

test('a certificate the system does not trust is reported, never accepted; nothing is stored', async () => {
  const { desktop, tokens } = service('untrusted');
  const error = refusal(await desktop.handle('addAgent', [{ name: 'Self-signed', url: secureOrigin, token: TEST_TOKEN }]));
  assert.equal(error.code, 'unavailable');
  assert.equal(error.field, 'url');
  assert.match(error.message, /certificate was refused \(.*self[- ]signed/i);
  assert.deepEqual(tokens.values, {});
  assert.equal(value<DesktopAgents>(await desktop.handle('listAgents', [])).agents.length, 1);
});

test('refused additions say why and which field: wrong token, plain http off loopback, unreachable, duplicates, bad shapes', async () => {
  const { desktop, tokens } = service('refusals', cert);
  const add = async (agent: unknown) => refusal(await desktop.handle('addAgent', [agent]));
  const wrong = await add({ name: 'A', url: secureOrigin, token: 'not-the-token-0123456789' });
  assert.deepEqual([wrong.code, wrong.field], ['unauthorized', 'token']);
  const cleartext = await add({ name: 'A', url: 'http://10.0.0.5:7420', token: TEST_TOKEN });
  assert.deepEqual([cleartext.code, cleartext.field], ['invalid_request', 'url']);
  assert.match(cleartext.message, /https \(TLS\)/);
  const withPath = await add({ name: 'A', url: `${secureOrigin}/api`, token: TEST_TOKEN });
  assert.equal(withPath.field, 'url');
  const credentials = await add({ name: 'A', url: `https://user:pw@localhost:1`, token: TEST_TOKEN });
  assert.match(credentials.message, /token goes in its own field/);
  const closed = await add({ name: 'A', url: `http://127.0.0.1:${await freePort()}`, token: TEST_TOKEN });
  assert.deepEqual([closed.code, closed.field], ['unavailable', 'url']);
  assert.match(closed.message, /could not be reached \(.*ECONNREFUSED/);
  assert.equal((await add({ name: '', url: secureOrigin, token: TEST_TOKEN })).field, 'name');
  assert.equal((await add({ name: 'A\u0007', url: secureOrigin, token: TEST_TOKEN })).field, 'name');
  assert.equal((await add({ name: 'A', url: secureOrigin, token: 'short' })).field, 'token');
  assert.equal((await add({ name: 'A', url: secureOrigin, token: TEST_TOKEN, extra: 1 })).code, 'invalid_request');
  assert.equal((await add('not an object')).code, 'invalid_request');
  value(await desktop.handle('addAgent', [{ name: 'A', url: secureOrigin, token: TEST_TOKEN }]));
  const twice = await add({ name: 'B', url: `${secureOrigin}/`, token: TEST_TOKEN });
  assert.deepEqual([twice.code, twice.field], ['conflict', 'url']);
  tokens.refusal = 'No keyring is running.';
  const noKeyring = await add({ name: 'Local', url: plain.agent.url, token: TEST_TOKEN });
  assert.equal(noKeyring.code, 'unavailable');
  assert.match(noKeyring.message, /cannot be stored safely: No keyring/);
  assert.equal(value<DesktopAgents>(await desktop.handle('listAgents', [])).agents.length, 2, 'only the one good addition');
});

test('removing the selected agent forgets its token and shows the embedded agent again', async () => {
  const { desktop, tokens } = service('remove');
  const list = value<DesktopAgents>(await desktop.handle('addAgent', [{ name: 'Local too', url: plain.agent.url, token: TEST_TOKEN }]));
  const id = list.agents[1]!.id;
  value(await desktop.handle('selectAgent', [id]));
  const after = value<DesktopAgents>(await desktop.handle('removeAgent', [id]));
  assert.equal(after.selected, EMBEDDED_AGENT_ID);
  assert.deepEqual(tokens.values, {});
  assert.equal(refusal(await desktop.handle('removeAgent', [id])).code, 'not_found');
  assert.equal(refusal(await desktop.handle('selectAgent', ['no-such-agent'])).code, 'not_found');
});

test('bad calls from the page: unknown methods, wrong argument shapes, links off the allow-list', async () => {
  const { desktop, opened } = service('bad');
  assert.equal(refusal(await desktop.handle('deleteEverything', [])).code, 'not_found');
  assert.equal(refusal(await desktop.handle('__proto__', [])).code, 'not_found');
  assert.equal(refusal(await desktop.handle('selectAgent', [42])).code, 'invalid_request');
  assert.equal(refusal(await desktop.handle('setStartAtLogin', ['yes'])).code, 'invalid_request');
  assert.equal(refusal(await desktop.handle('listAgents', ['extra'])).code, 'invalid_request');
  assert.equal(value<boolean>(await desktop.handle('openExternal', ['https://kite.zerodha.com/'])), true);
  assert.equal(value<boolean>(await desktop.handle('openExternal', ['https://kite.zerodha.com.evil.example/'])), false);
  assert.equal(value<boolean>(await desktop.handle('openExternal', ['file:///etc/passwd'])), false);
  assert.equal(value<boolean>(await desktop.handle('openExternal', [plain.agent.url])), true, 'the agent\'s own dashboard in a browser');
  assert.deepEqual(opened, ['https://kite.zerodha.com/', plain.agent.url]);
  assert.deepEqual(value(await desktop.handle('setStartAtLogin', [true])), { startAtLogin: true, provider: 'sim', secretStorageProblem: null });
  assert.deepEqual(value(await desktop.handle('brokerLogin', [])), { ok: true, message: 'login for This computer' });
});

test('the embedded agent still starting, or failed, is said so; a list file tampered with is set aside', async () => {
  const { desktop, agents } = service('starting');
  const starting = new DesktopService({ ...desktop['deps'], embedded: () => null, embeddedProblem: () => null });
  assert.match(refusal(await starting.handle('connection', [])).message, /starting/);
  const failed = new DesktopService({ ...desktop['deps'], embedded: () => null, embeddedProblem: () => 'port 7420 is in use' });
  assert.equal(refusal(await failed.handle('connection', [])).message, 'port 7420 is in use');
  for (const text of ['{not json', JSON.stringify({ agents: [{ id: 'x', name: 'A', url: 'http://10.0.0.1:1' }], selected: 'x' }), JSON.stringify({ agents: [{ id: '2c5ea4c0-4067-11e9-8bad-9b1deb4d3b7d', name: 'A', url: 'http://10.0.0.1:1' }], selected: 'embedded' })]) {
    mkdirSync(dirname(agents.file), { recursive: true });
    writeFileSync(agents.file, text);
    const seen: string[] = [];
    const reopened = new RemoteAgents(agents.file, new MemorySecrets(), (what) => seen.push(what));
    assert.deepEqual(reopened.list(), [], text);
    assert.match(seen[0] ?? '', /set aside as .*unreadable-/);
  }
});

test("switching this computer's agent to Kite restarts it once; the same market again does nothing; a failed restart says why", async () => {
  const { desktop, restarts, tokens } = service('provider');
  assert.equal(value<{ provider: string }>(await desktop.handle('setProvider', ['sim'])).provider, 'sim');
  assert.deepEqual(restarts, [], 'already on the simulated market: no restart');
  assert.equal(refusal(await desktop.handle('setProvider', ['zerodha'])).code, 'invalid_request');
  tokens.refusal = 'kite will not start';
  const failed = refusal(await desktop.handle('setProvider', ['kite']));
  assert.deepEqual([failed.code, failed.message], ['unavailable', 'The agent on this computer did not start on the new market: port 7420 is in use']);
  tokens.refusal = null;
  assert.equal(value<{ provider: string }>(await desktop.handle('setProvider', ['kite'])).provider, 'kite');
  assert.deepEqual(restarts, ['kite', 'kite']);
});
