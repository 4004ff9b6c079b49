import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildUniverse } from '../../../agent/market/sim/universe';
import { startTestAgent, waitFor } from '../../helpers/test-agent';

test('a fresh agent subscribes the default watchlist once, and keeps it as a watchlist; what the user removes is never given back', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-first-run-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const named = buildUniverse().map((i) => i.id);
  let agent = await startTestAgent({ dataDir, firstRunWatchlist: true, workers: 1 });
  try {
    const first = await agent.api.call('getTicker');
    assert.deepEqual(first.subscriptions.map((s) => s.instrument).sort(), [...named].sort());
    assert.ok(first.subscriptions.every((s) => s.mode === 'full'));
    await waitFor('prices move at once', async () => Object.keys((await agent.api.call('getQuotes', { instruments: named })).quotes).length === named.length);
    const [watchlist] = (await agent.api.call('listWatchlists')).watchlists;
    assert.equal(watchlist?.name, 'NIFTY 50');
    assert.deepEqual(watchlist?.instruments, named, 'the same instruments, as a watchlist');
    await agent.api.call('unsubscribe', { instruments: ['NSE:INFY', 'NSE:NIFTY BANK'] });
    await agent.api.call('deleteWatchlist', { id: watchlist!.id });
  } finally {
    await agent.stop();
  }
  agent = await startTestAgent({ dataDir, firstRunWatchlist: true, workers: 1 });
  try {
    const again = (await agent.api.call('getTicker')).subscriptions.map((s) => s.instrument);
    assert.equal(again.length, named.length - 2);
    assert.ok(!again.includes('NSE:INFY') && !again.includes('NSE:NIFTY BANK'), 'removed instruments stay removed');
    assert.deepEqual((await agent.api.call('listWatchlists')).watchlists, [], 'a deleted watchlist stays deleted');
    await agent.api.call('unsubscribe', { instruments: again });
  } finally {
    await agent.stop();
  }
  agent = await startTestAgent({ dataDir, firstRunWatchlist: true, workers: 1 });
  try {
    assert.deepEqual((await agent.api.call('getTicker')).subscriptions, [], 'an emptied ticker stays empty');
  } finally {
    await agent.stop();
  }
});
