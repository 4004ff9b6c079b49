import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, whoIs } from '../../../agent/audit/audit-log';

test('the audit log never keeps a secret: named like one, in a task environment, or a file', () => {
  const input = {
    name: 'algo',
    apiSecret: 's3cr3t',
    password: 'hunter22',
    credentials: { user: 'x' },
    env: { BINANCE_API_KEY: 'k', DB_PASS: 'p', PLAIN: 'not a secret by name but in env' },
    nested: { authHeader: 'Bearer x', deeper: { accessToken: 't', keep: 1 } },
    file: { filename: 'a.py', data: new Uint8Array(1234) },
    long: 'x'.repeat(600),
  };
  const kept = redact(input) as Record<string, unknown>;
  const text = JSON.stringify(kept);
  for (const secret of ['s3cr3t', 'hunter22', 'Bearer x', '"k"', '"p"', 'not a secret by name', '"t"']) assert.ok(!text.includes(secret), `${secret} is out`);
  assert.deepEqual(kept.env, { BINANCE_API_KEY: '…', DB_PASS: '…', PLAIN: '…' }, 'the names stay, the values go');
  assert.deepEqual((kept.file as { data: unknown }).data, { bytes: 1234 });
  assert.equal(((kept.nested as { deeper: { keep: number } }).deeper).keep, 1);
  assert.equal((kept.long as string).length, 501);
  assert.equal(redact(null), null);
  const deep = redact({ a: { b: { c: { d: { e: 1 } } } } });
  assert.deepEqual(deep, { a: { b: { c: { d: '…' } } } });
});

test('who made a call, as the log names it', () => {
  assert.equal(whoIs(undefined), 'anonymous');
  assert.equal(whoIs({ kind: 'owner' }), 'owner');
  assert.equal(whoIs({ kind: 'task', taskId: 'abc' }), 'task:abc');
});
