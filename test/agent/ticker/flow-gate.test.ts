import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowGate } from '../../../agent/ticker/flow-gate';

test('pauses at the high mark, resumes at the low mark, once each', () => {
  const calls: string[] = [];
  const gate = new FlowGate(4, 1, { pause: () => calls.push('pause'), resume: () => calls.push('resume') });
  for (let i = 0; i < 3; i++) gate.sent();
  assert.deepEqual(calls, []);
  gate.sent();
  gate.sent();
  assert.deepEqual(calls, ['pause']);
  gate.delivered();
  gate.delivered();
  gate.delivered();
  assert.deepEqual(calls, ['pause'], 'still above the low mark');
  gate.delivered();
  assert.deepEqual(calls, ['pause', 'resume']);
  assert.equal(gate.pending, 1);
  gate.delivered();
  gate.delivered();
  assert.equal(gate.pending, 0, 'never below zero');
  assert.deepEqual(calls, ['pause', 'resume']);
});

test('marks must make sense', () => {
  const control = { pause() {}, resume() {} };
  assert.throws(() => new FlowGate(4, 4, control), RangeError);
  assert.throws(() => new FlowGate(4, -1, control), RangeError);
});
