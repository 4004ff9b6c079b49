import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RiskSummary } from '../../../shared/risk';
import { startTestAgent } from '../../helpers/test-agent';

test('the kill switch and states set by hand outlive a restart of the agent; orders are still refused after it', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-risk-restart-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestAgent({ dataDir, workers: 1 });
  try {
    assert.equal((await first.request('POST', '/api/v1/risk/states', { body: JSON.stringify({ scope: 'ma', state: 'REDUCING', reason: 'winding down' }) })).status, 200);
    assert.equal((await first.request('POST', '/api/v1/risk/kill-switch', { body: JSON.stringify({ engage: true }) })).status, 200);
  } finally {
    await first.stop();
  }
  const second = await startTestAgent({ dataDir, workers: 1 });
  t.after(() => second.stop());
  const risk = (await second.request('GET', '/api/v1/risk')).body as RiskSummary;
  assert.deepEqual([risk.state.state, risk.state.killSwitch], ['HALTED', true], 'a restart does not release the kill switch');
  assert.deepEqual([risk.algos.ma?.state, risk.algos.ma?.reason], ['REDUCING', 'winding down']);
  const refused = await second.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'mr', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'LIMIT', price: 1 }) });
  assert.equal(refused.body.error.details.rule, 'halted');
  await second.request('POST', '/api/v1/risk/kill-switch', { body: JSON.stringify({ engage: false }) });
  const released = (await second.request('GET', '/api/v1/risk')).body as RiskSummary;
  assert.deepEqual([released.state.state, released.algos.ma?.state], ['ACTIVE', 'REDUCING'], 'released by the user only; the algo keeps its own state');
});
