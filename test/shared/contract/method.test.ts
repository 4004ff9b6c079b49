import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { fillPath, method, pathParamNames, pathPattern, returns } from '../../../shared/contract/method';
import { ApiError } from '../../../shared/errors';

test('path parameters are named, filled percent-encoded, and taken out of the input', () => {
  assert.deepEqual(pathParamNames('/api/v1/agents/:agentId/tasks/:id/start'), ['agentId', 'id']);
  assert.deepEqual(pathParamNames('/api/v1/ticker'), []);
  assert.deepEqual(fillPath('/api/v1/tasks/:id/start', { id: 'a b/c?d#e%f', force: true }), {
    path: '/api/v1/tasks/a%20b%2Fc%3Fd%23e%25f/start',
    rest: { force: true },
  });
  assert.deepEqual(fillPath('/api/v1/agents/:agentId/tasks/:id', { agentId: 'ec2', id: 7 }).path, '/api/v1/agents/ec2/tasks/7');
  for (const input of [{}, { id: '' }, { id: null }, { id: ['x'] }, { id: { a: 1 } }, { id: undefined }, { id: '.' }, { id: '..' }]) {
    assert.throws(
      () => fillPath('/api/v1/tasks/:id', input),
      (error: unknown) => error instanceof ApiError && error.code === 'invalid_request' && error.field === 'id',
      JSON.stringify(input),
    );
  }
});

test('a path pattern matches one segment per parameter, literally elsewhere', () => {
  const pattern = pathPattern('/api/v1/tasks/:id/start');
  assert.equal(pattern.test('/api/v1/tasks/abc/start'), true);
  assert.equal(pattern.test('/api/v1/tasks/a%2Fb/start'), true);
  for (const path of ['/api/v1/tasks//start', '/api/v1/tasks/a/b/start', '/api/v1/tasks/abc/start/', '/api/v1/tasks/abc/startx', 'x/api/v1/tasks/abc/start']) {
    assert.equal(pattern.test(path), false, path);
  }
  assert.equal(pathPattern('/api/v1/a.b').test('/api/v1/aXb'), false, 'dots are literal');
});

test('a declaration must validate every path parameter (checked by the compiler)', () => {
  const ok = method({ method: 'GET', path: '/api/v1/tasks/:id', scope: 'read', input: z.strictObject({ id: z.string() }), ...returns<number>() });
  assert.equal(ok.path, '/api/v1/tasks/:id');
  // @ts-expect-error: the schema has no `id`, so the declaration does not compile.
  method({ method: 'GET', path: '/api/v1/tasks/:id', scope: 'read', input: z.strictObject({ name: z.string() }) });
});
