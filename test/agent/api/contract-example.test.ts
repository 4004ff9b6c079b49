/**
 * How a later capability plugs in: a contract of its own with a path-parameter route, scoped
 * methods and a new stream topic, served by the same cores and adapters as the agent's API and
 * called through the same typed client. Tokens for a session, a task and a viewer come from a
 * resolver added to the authenticator, as the dashboard, task and fleet services will add theirs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import WebSocket from 'ws';
import { z } from 'zod';
import { createClientOf } from '../../../shared/contract/client';
import { method, returns } from '../../../shared/contract/method';
import type { Principal } from '../../../shared/contract/scopes';
import { topic, type TopicTypes } from '../../../shared/contract/stream';
import { ApiError } from '../../../shared/errors';
import { ApiCore } from '../../../agent/api/api-core';
import { Authenticator, OwnerToken } from '../../../agent/server/auth';
import { apiServerService, type ApiServer } from '../../../agent/services/api-server-service';
import { ServiceStack } from '../../../agent/services/service';
import { StreamCore } from '../../../agent/stream/stream-core';
import { sleep } from '../../helpers/wait';

const taskId = z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a task id');

const exampleApi = {
  getTask: method({ method: 'GET', path: '/api/v1/tasks/:id', scope: 'read', input: z.strictObject({ id: taskId, verbose: z.enum(['yes', 'no']).optional() }), ...returns<{ id: string; verbose: boolean }>() }),
  startTask: method({
    method: 'POST',
    path: '/api/v1/tasks/:id/start',
    scope: 'task',
    taskParam: 'id',
    input: z.strictObject({ id: taskId, reason: z.string().max(100).optional() }),
    ...returns<{ id: string; startedBy: Principal['kind'] }>(),
  }),
  rotateToken: method({ method: 'POST', path: '/api/v1/token/rotate', scope: 'owner', input: z.strictObject({}), ...returns<{ rotated: true }>() }),
};

type LogLine = { type: 'log'; taskId: string; line: string };
const exampleTopics = {
  taskLogs: topic({
    scope: 'task',
    taskParam: 'taskId',
    selection: z.strictObject({ taskId }),
    messages: ['log'],
    ...returns<TopicTypes<{ taskId: string }, { taskId: string }, LogLine>>(),
  }),
};

const OWNER = 'owner-token-0123456789abcdef';
const tokens: Record<string, Principal> = {
  'session-token-0123456789': { kind: 'session', sessionId: 's1' },
  'task-token-t1-0123456789': { kind: 'task', taskId: 't1' },
  'viewer-token-0123456789ab': { kind: 'viewer' },
};

let stack: ServiceStack;
let server: ApiServer<typeof exampleTopics>;
const calls: Array<{ name: string; params: unknown; principal: string | undefined }> = [];

before(async () => {
  const log = pino({ level: 'silent' });
  const auth = new Authenticator(new OwnerToken(OWNER));
  auth.add({ resolve: (token) => tokens[token] });
  const api = new ApiCore(exampleApi);
  api.provide({
    getTask: (params, { principal }) => {
      calls.push({ name: 'getTask', params, principal: principal?.kind });
      return { id: params.id, verbose: params.verbose === 'yes' };
    },
    startTask: (params, { principal }) => {
      calls.push({ name: 'startTask', params, principal: principal?.kind });
      return { id: params.id, startedBy: principal!.kind };
    },
    rotateToken: () => ({ rotated: true }),
  });
  const stream = new StreamCore({ table: exampleTopics, defaultTopic: 'taskLogs', version: 'test' });
  stream.provide({
    taskLogs: {
      open(peer) {
        return {
          subscribe({ taskId: id }) {
            setImmediate(() => peer.reply({ type: 'log', taskId: id, line: `hello from ${id}` }));
            return { taskId: id };
          },
          unsubscribe: ({ taskId: id }) => ({ taskId: id }),
          close() {},
        };
      },
    },
  });
  stack = new ServiceStack(log);
  server = await stack.start(apiServerService({ api, stream, auth, log, host: '127.0.0.1', port: 0 }));
});
after(() => stack.stop());

const client = (token: string) => createClientOf(exampleApi, server.url, token, (url, init) => fetch(url, init));
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof ApiError ? `${error.code}${error.field ? `:${error.field}` : ''}` : String(error);
  }
};

test('a path parameter is filled by the typed client and validated by the schema with the rest', async () => {
  assert.deepEqual(await client(OWNER).call('getTask', { id: 'job-7', verbose: 'yes' }), { id: 'job-7', verbose: true });
  assert.deepEqual(calls.at(-1), { name: 'getTask', params: { id: 'job-7', verbose: 'yes' }, principal: 'owner' });
  // Encoded by the client, decoded by the server, refused by the schema: never a different route.
  assert.equal(await codeOf(client(OWNER).call('getTask', { id: '../ticker' })), 'invalid_request:id');
  assert.equal(await codeOf(client(OWNER).call('getTask', { id: 'a/b' })), 'invalid_request:id');
  const repeated = await fetch(`${server.url}/api/v1/tasks/job-7?id=job-8`, { headers: { authorization: `Bearer ${OWNER}` } });
  assert.equal(repeated.status, 400);
  assert.equal(((await repeated.json()) as any).error.field, 'id');
  const wrongVerb = await fetch(`${server.url}/api/v1/tasks/job-7`, { method: 'DELETE', headers: { authorization: `Bearer ${OWNER}` } });
  assert.equal(wrongVerb.status, 405);
  assert.equal(wrongVerb.headers.get('allow'), 'GET');
});

test('scopes: a task acts only on itself, a viewer only reads, only the owner rotates the token', async () => {
  const expectations: Array<[string, () => Promise<unknown>, string]> = [
    ['viewer reads', () => client('viewer-token-0123456789ab').call('getTask', { id: 't1' }), 'ok'],
    ['task reads', () => client('task-token-t1-0123456789').call('getTask', { id: 't2' }), 'ok'],
    ['task starts itself', () => client('task-token-t1-0123456789').call('startTask', { id: 't1' }), 'ok'],
    ['task starts another', () => client('task-token-t1-0123456789').call('startTask', { id: 't2' }), 'forbidden:id'],
    ['viewer starts', () => client('viewer-token-0123456789ab').call('startTask', { id: 't1' }), 'forbidden'],
    ['session starts any', () => client('session-token-0123456789').call('startTask', { id: 't2' }), 'ok'],
    ['session rotates', () => client('session-token-0123456789').call('rotateToken'), 'forbidden'],
    ['task rotates', () => client('task-token-t1-0123456789').call('rotateToken'), 'forbidden'],
    ['owner rotates', () => client(OWNER).call('rotateToken'), 'ok'],
    ['stranger reads', () => client('not-a-token-0123456789').call('getTask', { id: 't1' }), 'unauthorized'],
  ];
  for (const [what, call, expected] of expectations) assert.equal(await codeOf(call()), expected, what);
  // A refused call never reached its handler.
  assert.deepEqual(
    calls.filter((c) => c.name === 'startTask').map((c) => [(c.params as { id: string }).id, c.principal]),
    [['t1', 'task'], ['t2', 'session']],
  );
  // A viewer with a bad body learns it may not call the method, not what the body lacks.
  const res = await fetch(`${server.url}/api/v1/tasks/t1/start`, {
    method: 'POST',
    headers: { authorization: 'Bearer viewer-token-0123456789ab', 'content-type': 'application/json' },
    body: '{"nonsense":1}',
  });
  assert.equal(res.status, 403);
});

/** Opens the example stream as `token` and collects its messages. */
async function streamAs(token: string): Promise<{ ws: WebSocket; messages: any[]; next: (type: string) => Promise<any> }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = async (type: string) => {
    for (let i = 0; i < 200; i++) {
      const found = messages.find((m) => m.type === type);
      if (found) {
        messages.splice(messages.indexOf(found), 1);
        return found;
      }
      await sleep(10);
    }
    throw new Error(`no ${type}; got ${JSON.stringify(messages)}`);
  };
  return { ws, messages, next };
}

test('a new stream topic: subscribe names it, its scope is checked, its messages flow', async () => {
  const task = await streamAs('task-token-t1-0123456789');
  assert.deepEqual((await task.next('welcome')).topics, ['taskLogs']);
  task.ws.send(JSON.stringify({ type: 'subscribe', topic: 'taskLogs', taskId: 't1', id: 'a' }));
  assert.deepEqual(await task.next('subscribed'), { type: 'subscribed', topic: 'taskLogs', id: 'a', taskId: 't1' });
  assert.deepEqual(await task.next('log'), { type: 'log', taskId: 't1', line: 'hello from t1' });
  task.ws.send(JSON.stringify({ type: 'subscribe', topic: 'taskLogs', taskId: 't2', id: 'b' }));
  const refused = await task.next('error');
  assert.equal(refused.id, 'b');
  assert.equal(refused.error.code, 'forbidden');
  task.ws.send(JSON.stringify({ type: 'subscribe', topic: 'orders', taskId: 't1', id: 'c' }));
  assert.equal((await task.next('error')).error.field, 'topic');
  task.ws.close();

  const viewer = await streamAs('viewer-token-0123456789ab');
  viewer.ws.send(JSON.stringify({ type: 'subscribe', taskId: 't1' })); // no topic: the table's default
  assert.equal((await viewer.next('error')).error.code, 'forbidden');
  viewer.ws.close();
});

test('a method without a handler is found when the server starts, not at the first call', async () => {
  const api = new ApiCore(exampleApi);
  api.provide({ getTask: ({ id }) => ({ id, verbose: false }) });
  assert.deepEqual(api.missing(), ['startTask', 'rotateToken']);
  assert.throws(() => api.requireComplete(), /no handler for startTask, rotateToken/);
  assert.throws(() => api.provide({ getTask: ({ id }) => ({ id, verbose: true }) }), /two handlers/);
  assert.throws(() => api.provide({ nope: () => 1 } as never), /not a method/);
});
