import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { AgentWithHistory, AuditEntry } from '../../../shared/fleet';
import { FLEET_LINK_PATH, FLEET_LINK_PROTOCOL } from '../../../shared/fleet';
import type { TaskInfo } from '../../../shared/task';
import { linkUrl } from '../../../agent/fleet/fleet-member';
import { RawStreamClient } from '../../helpers/raw-stream-client';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

const JOIN = 'join-token-for-tests-0123456789';
const fast = { fleetHeartbeatMs: 300, memberBackoff: { initialDelayMs: 50, maxDelayMs: 200 } };

let hub: TestAgent;
let m1: TestAgent;
let m2: TestAgent;
let hubDir: string;
before(async () => {
  hubDir = mkdtempSync(join(tmpdir(), 'algodeck-hub-'));
  hub = await startTestAgent({ dataDir: hubDir, name: 'hub', workers: 1, fleet: { hub: true, joinToken: JOIN }, ...fast });
  const member = (name: string) => startTestAgent({ name, workers: 1, labels: { region: 'test' }, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
  [m1, m2] = await Promise.all([member('m1'), member('m2')]);
  await waitFor('both members online', async () => (await agents()).filter((a) => a.status === 'online').length === 3, 10_000);
});
after(async () => {
  await Promise.all([m1.stop(), m2.stop()]);
  await hub.stop();
  rmSync(hubDir, { recursive: true, force: true });
});

const agents = async () => ((await hub.request('GET', '/api/v1/agents')).body as { agents: AgentWithHistory[] }).agents;
const on = (agent: string, method: string, path: string, body?: unknown, token?: string) =>
  hub.request(method, `/api/v1/agents/${agent}${path.replace(/^\/api\/v1/, '')}`, { ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(token ? { token } : {}) });

test('the hub lists itself and its members with status, version, labels and statistics', async () => {
  const list = await agents();
  assert.deepEqual(list[0]!.name, 'hub', 'the hub first');
  assert.deepEqual(list.map((a) => [a.name, a.hub, a.status]).sort(), [['hub', true, 'online'], ['m1', false, 'online'], ['m2', false, 'online']]);
  const m1Info = list.find((a) => a.name === 'm1')!;
  assert.deepEqual(m1Info.labels, { region: 'test' });
  assert.match(m1Info.id, /^[0-9a-f]{16}$/);
  assert.equal(m1Info.address, '127.0.0.1');
  await waitFor('statistics of the members', async () => (await agents()).every((a) => a.system !== null && (a.history?.at.length ?? 0) > 0), 5000);
  const withStats = (await agents()).find((a) => a.name === 'm2')!;
  assert.equal(withStats.cpuPercent, withStats.system!.cpu.percent, 'the main figures are at the top too');
  assert.equal(withStats.memoryPercent, withStats.system!.memory.percent);
  assert.ok((withStats.uptimeSeconds ?? 0) > 0);
  const fleet = (await m1.request('GET', '/api/v1/fleet')).body as { hub: boolean; member: { state: string; hub: { name: string } } };
  assert.equal(fleet.hub, false);
  assert.equal(fleet.member.state, 'online');
  assert.equal(fleet.member.hub.name, 'hub');
});

test('a member’s tasks are managed through the hub, by name or id, and its logs streamed', async () => {
  const created = await on('m1', 'POST', '/api/v1/tasks', { name: 'remote', command: 'node', args: ['-e', 'setInterval(() => console.log("beat"), 100)'], env: { API_TOKEN: 'secret-value' }, start: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = created.body as TaskInfo;
  const onMember = (await m1.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] };
  assert.deepEqual(onMember.tasks.map((t) => t.id), [task.id], 'the task is the member’s');
  assert.equal(((await hub.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks.length, 0, 'not the hub’s');
  const id = (await agents()).find((a) => a.name === 'm1')!.id;
  const byId = await on(id, 'GET', `/api/v1/tasks/${task.id}`);
  assert.equal(byId.status, 200);

  const client = await RawStreamClient.open(hub.agent.url, { token: TEST_TOKEN });
  try {
    const subscribed = await client.request({ type: 'subscribe', topic: 'logs', task: task.id, agent: 'm1' });
    assert.equal(subscribed.type, 'subscribed');
    await waitFor('the member’s output through the hub', () => client.messages.some((m) => m.type === 'logs' && m.agent === id && m.lines.some((l) => l.text === 'beat')));
    const tasks = await client.request({ type: 'subscribe', topic: 'tasks', agent: 'm1' });
    assert.deepEqual((tasks as unknown as { tasks: TaskInfo[] }).tasks.map((t) => t.id), [task.id]);
    const refused = await client.request({ type: 'subscribe', topic: 'logs', task: '0123456789ab', agent: 'm1' });
    assert.equal((refused as { error: { code: string } }).error.code, 'not_found');
  } finally {
    await client.close();
  }
  const stopped = await on('m1', 'POST', `/api/v1/tasks/${task.id}/stop`);
  assert.equal((stopped.body as TaskInfo).state, 'stopped');
  assert.equal((await on('m1', 'DELETE', `/api/v1/tasks/${task.id}`)).status, 200);
  assert.equal((await on('nobody', 'GET', '/api/v1/tasks')).status, 404);
});

test('bad payloads routed to a member are refused by it, with the field, and change nothing', async () => {
  const answer = await on('m2', 'POST', '/api/v1/tasks', { name: 'bad', command: 'node', restart: { policy: 'sometimes' } });
  assert.equal(answer.status, 400);
  assert.equal((answer.body as { error: { field: string } }).error.field, 'restart.policy');
  assert.equal((await on('m2', 'GET', '/api/v1/tasks/zzz')).status, 400);
  assert.equal((await on('m2', 'GET', '/api/v1/no-such-thing')).status, 404);
  assert.equal(((await m2.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks.length, 0);
});

test('every command is in the audit logs, of the hub and of the member, without secrets', async () => {
  const hubAudit = ((await hub.request('GET', '/api/v1/audit?agent=m1&method=createTask')).body as { entries: AuditEntry[] }).entries;
  assert.equal(hubAudit.length, 1);
  assert.equal(hubAudit[0]!.who, 'owner');
  assert.equal(hubAudit[0]!.result, 'ok');
  assert.equal(hubAudit[0]!.status, 201);
  assert.equal((hubAudit[0]!.input as { env: { API_TOKEN: string } }).env.API_TOKEN, '…', 'a secret never reaches the log');
  const memberAudit = ((await m1.request('GET', '/api/v1/audit?method=createTask')).body as { entries: AuditEntry[] }).entries;
  assert.equal(memberAudit.length, 1);
  assert.equal(memberAudit[0]!.who, 'hub hub for owner');
  const refused = ((await hub.request('GET', '/api/v1/audit?agent=m2')).body as { entries: AuditEntry[] }).entries;
  assert.ok(refused.some((e) => e.result === 'invalid_request' && e.status === 400));
});

test('a task token of the hub cannot reach members, and a join token is no API token', async () => {
  const file = join(hubDir, 'token.json');
  const { id } = (await hub.request('POST', '/api/v1/tasks', { body: JSON.stringify({ name: 'local', command: 'node', args: [join(import.meta.dirname, '..', '..', 'fixtures', 'tasks', 'ticking.mjs'), file], start: true }) })).body as TaskInfo;
  const { readFileSync, existsSync } = await import('node:fs');
  const token = await waitFor('its token', () => existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { env: Record<string, string> }).env.ALGODECK_TASK_TOKEN);
  assert.equal((await on('m1', 'GET', '/api/v1/tasks', undefined, token)).status, 403);
  for (const path of ['/api/v1/agents', '/api/v1/fleet', '/api/v1/system']) {
    assert.equal((await hub.request('GET', path, { token })).status, 403, `a task token sees nothing of the machine or the fleet: ${path}`);
  }
  assert.equal((await hub.request('GET', '/api/v1/agents', { token: JOIN })).status, 401);
  await hub.request('DELETE', `/api/v1/tasks/${id}`);
});

test('the link refuses a wrong join token, a member that sends commands, a taken name, and plain ws off loopback', async () => {
  const url = hub.agent.url.replace('http', 'ws') + FLEET_LINK_PATH;
  const status = await new Promise<number>((resolve) => {
    const ws = new WebSocket(url, [FLEET_LINK_PROTOCOL], { headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' } });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => undefined);
  });
  assert.equal(status, 401);

  const rogue = (hello: unknown, then?: unknown) =>
    new Promise<{ code: number; reason: string }>((resolve) => {
      const ws = new WebSocket(url, [FLEET_LINK_PROTOCOL], { headers: { authorization: `Bearer ${JOIN}` } });
      ws.on('open', () => ws.send(JSON.stringify(hello)));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { t: string };
        if (message.t === 'welcome' && then !== undefined) ws.send(JSON.stringify(then));
      });
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on('error', () => undefined);
    });
  const commanding = await rogue(
    { t: 'hello', id: 'aaaaaaaaaaaaaaaa', name: 'rogue', labels: {}, version: '0' },
    { t: 'call', id: 1, method: 'deleteTask', input: { id: '0123456789ab' }, principal: { kind: 'owner' }, who: 'x' },
  );
  assert.equal(commanding.code, 4008);
  const taken = await rogue({ t: 'hello', id: 'bbbbbbbbbbbbbbbb', name: 'M1', labels: {}, version: '0' });
  assert.equal(taken.code, 4009);
  assert.match(taken.reason, /named "M1"/);
  // A second agent with a join token claiming m1's id: m1's link is not taken over.
  const m1Id = (await agents()).find((a) => a.name === 'm1')!.id;
  const impostor = await rogue({ t: 'hello', id: m1Id, name: 'm1', labels: {}, version: '0' });
  assert.equal(impostor.code, 4009);
  assert.match(impostor.reason, /secret/);
  const wrongSecret = await rogue({ t: 'hello', id: m1Id, name: 'm1', labels: {}, version: '0', secret: 'guessed-guessed-guessed-guessed' });
  assert.equal(wrongSecret.code, 4009);
  const garbage = await rogue({ t: 'hello', id: 'not-hex', name: 'x' });
  assert.equal(garbage.code, 4008);
  assert.throws(() => linkUrl('ws://203.0.113.5:7420'), /needs TLS/);
  assert.throws(() => linkUrl('ftp://hub'), /use wss/);
  assert.equal(linkUrl('https://hub.example.net:7420/x?y'), `wss://hub.example.net:7420${FLEET_LINK_PATH}`);
  assert.equal((await agents()).find((a) => a.name === 'm1')!.status, 'online', 'the real m1 was not disturbed');
});

test('a member that goes is shown offline, and a command to it fails fast; it comes back by itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-member-'));
  try {
    let m3 = await startTestAgent({ dataDir: dir, name: 'm3', workers: 1, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
    await waitFor('m3 online', async () => (await agents()).find((a) => a.name === 'm3')?.status === 'online');
    await m3.stop();
    const away = await waitFor('m3 offline', async () => {
      const m = (await agents()).find((a) => a.name === 'm3');
      return m?.status === 'offline' && m;
    });
    assert.ok(away.reason);
    const started = performance.now();
    const answer = await on('m3', 'GET', '/api/v1/tasks');
    assert.equal(answer.status, 503);
    assert.equal((answer.body as { error: { code: string } }).error.code, 'agent_offline');
    assert.ok(performance.now() - started < 1000, 'it fails fast');
    m3 = await startTestAgent({ dataDir: dir, name: 'm3', workers: 1, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
    const back = await waitFor('m3 back', async () => {
      const m = (await agents()).find((a) => a.name === 'm3');
      return m?.status === 'online' && m;
    });
    assert.equal(back.id, away.id, 'the same agent, known by its id');
    await m3.stop();
    assert.equal((await hub.request('DELETE', `/api/v1/agents/${back.id}`)).status, 200);
    assert.equal((await agents()).some((a) => a.name === 'm3'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('members ride out a hub restart: offline meanwhile, back by themselves, registry kept', async () => {
  const port = Number(new URL(hub.agent.url).port);
  await hub.stop();
  await waitFor('m1 sees the hub gone', () => m1.agent.member?.state !== 'online');
  hub = await startTestAgent({ dataDir: hubDir, port, name: 'hub', workers: 1, fleet: { hub: true }, ...fast });
  const list = await agents();
  assert.ok(list.some((a) => a.name === 'm1'), 'the registry survived the restart');
  await waitFor('both members back', async () => (await agents()).filter((a) => a.status === 'online').length === 3, 10_000);
  assert.ok(m1.agent.member!.links >= 2);
});

test('a member that stops answering pings (a network cut) is shown offline', async () => {
  const url = hub.agent.url.replace('http', 'ws') + FLEET_LINK_PATH;
  const ws = new WebSocket(url, [FLEET_LINK_PROTOCOL], { headers: { authorization: `Bearer ${JOIN}` }, autoPong: false });
  try {
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ t: 'hello', id: 'cccccccccccccccc', name: 'silent', labels: {}, version: '0' }));
    await waitFor('silent online', async () => (await agents()).find((a) => a.name === 'silent')?.status === 'online');
    const gone = await waitFor('silent offline', async () => {
      const agent = (await agents()).find((a) => a.name === 'silent');
      return agent?.status === 'offline' && agent;
    }, 5000);
    assert.equal(gone.reason, 'no answer to pings');
  } finally {
    ws.terminate();
  }
  await hub.request('DELETE', '/api/v1/agents/silent');
});

test('revoked join tokens let no agent join any more; a new token does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-member-'));
  try {
    assert.equal((await hub.request('DELETE', '/api/v1/fleet/join-tokens')).status, 200);
    const late = await startTestAgent({ dataDir: dir, name: 'late', workers: 1, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
    try {
      await waitFor('refused', () => late.agent.member?.lastError === 'the hub refused the join token');
      assert.equal((await agents()).some((a) => a.name === 'late'), false);
      const made = (await hub.request('POST', '/api/v1/fleet/join-tokens', { body: JSON.stringify({ label: 'late' }) })).body as { token: string; join: string };
      assert.ok(made.join.includes(made.token));
      const sessionish = await hub.request('POST', '/api/v1/fleet/join-tokens', { body: '{}', token: JOIN });
      assert.equal(sessionish.status, 401);
      await late.stop();
      const again = await startTestAgent({ dataDir: dir, name: 'late', workers: 1, fleet: { join: { url: hub.agent.url, token: made.token } }, ...fast });
      await waitFor('joined with the new token', async () => (await agents()).find((a) => a.name === 'late')?.status === 'online');
      await again.stop();
    } finally {
      await late.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a member’s secret binds its id once the member says it stored it', async () => {
  const url = hub.agent.url.replace('http', 'ws') + FLEET_LINK_PATH;
  // Earlier tests revoked the first token.
  const { token } = (await hub.request('POST', '/api/v1/fleet/join-tokens', { body: '{}' })).body as { token: string };
  /** Joins as `hello`; answers `saved` to the welcome when asked; resolves with the welcome's secret or the close code. */
  const join = (hello: Record<string, unknown>, save: boolean) =>
    new Promise<{ secret?: string; code?: number }>((resolve) => {
      const ws = new WebSocket(url, [FLEET_LINK_PROTOCOL], { headers: { authorization: `Bearer ${token}` } });
      ws.on('open', () => ws.send(JSON.stringify({ t: 'hello', name: 'binding', labels: {}, version: '0', ...hello })));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { t: string; secret?: string };
        if (message.t !== 'welcome') return;
        if (save) ws.send(JSON.stringify({ t: 'saved' }));
        setTimeout(() => ws.close(), 100);
        resolve(message.secret === undefined ? {} : { secret: message.secret });
      });
      ws.on('close', (code) => resolve({ code }));
      ws.on('error', () => undefined);
    });
  const id = 'dddddddddddddddd';
  const first = await join({ id }, false);
  assert.ok(first.secret, 'a new member gets a secret');
  await waitFor('offline', async () => (await agents()).find((a) => a.id === id)?.status === 'offline');
  const again = await join({ id }, true);
  assert.ok(again.secret, 'a secret never confirmed binds nothing: the member gets a new one');
  await waitFor('offline again', async () => (await agents()).find((a) => a.id === id)?.status === 'offline');
  assert.equal((await join({ id }, false)).code, 4009, 'once confirmed, the id is only the secret holder’s');
  const back = await join({ id, secret: again.secret }, false);
  assert.equal(back.code, undefined, 'its holder joins');
  await waitFor('offline at last', async () => (await agents()).find((a) => a.id === id)?.status === 'offline');
  await hub.request('DELETE', `/api/v1/agents/${id}`);
});
