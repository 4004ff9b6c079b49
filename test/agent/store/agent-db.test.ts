import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { AgentDb } from '../../../agent/store/agent-db';

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'agent.db');
}

test('the ticker is saved and loaded across reopenings', (t) => {
  const file = tempFile(t);
  const first = new AgentDb(file);
  assert.equal(first.loadTicker(), null);
  first.saveTicker({ workers: 2, subscriptions: [{ instrument: 'NSE:TCS', mode: 'full' }, { instrument: 'NSE:INFY', mode: 'ltp' }] });
  first.saveTicker({ workers: 3, subscriptions: [{ instrument: 'NSE:NIFTY 50', mode: 'quote' }, { instrument: 'NSE:TCS', mode: 'full' }] });
  first.close();
  const again = new AgentDb(file);
  const loaded = again.loadTicker()!;
  assert.equal(loaded.workers, 3);
  assert.deepEqual(
    loaded.subscriptions.sort((a, b) => a.instrument.localeCompare(b.instrument)),
    [{ instrument: 'NSE:NIFTY 50', mode: 'quote' }, { instrument: 'NSE:TCS', mode: 'full' }],
  );
  assert.equal(loaded.stopped, false, 'a ticker never stopped');
  again.saveTicker({ workers: 3, subscriptions: [{ instrument: 'NSE:TCS', mode: 'ltp' }], stopped: true });
  assert.deepEqual(again.loadTicker()!.subscriptions, [{ instrument: 'NSE:TCS', mode: 'ltp' }], 'a reopened file saves its changes too');
  assert.equal(again.loadTicker()!.stopped, true, 'a stop is saved');
  again.close();
});

test('a failed save leaves the previous state whole', (t) => {
  const file = tempFile(t);
  const db = new AgentDb(file);
  db.saveTicker({ workers: 1, subscriptions: [{ instrument: 'NSE:INFY', mode: 'quote' }] });
  const bad = { workers: 2, subscriptions: [{ instrument: 'NSE:TCS', mode: 'quote' }, { instrument: 'NSE:SBIN', mode: 'fast' }] };
  assert.throws(() => db.saveTicker(bad as never), /CHECK constraint/);
  assert.deepEqual(db.loadTicker(), { workers: 1, subscriptions: [{ instrument: 'NSE:INFY', mode: 'quote' }], stopped: false });
  db.saveTicker({ workers: 1, subscriptions: [{ instrument: 'NSE:INFY', mode: 'quote' }, { instrument: 'NSE:TCS', mode: 'full' }] });
  assert.equal(db.loadTicker()!.subscriptions.length, 2, 'after a failed save the next one still writes everything it must');
  db.close();
});

test('the file is in WAL mode, and a file from a newer schema is refused', (t) => {
  const file = tempFile(t);
  new AgentDb(file).close();
  const raw = new Database(file);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(() => new AgentDb(file), /newer AlgoDeck/);
});

test('a file that is not a database is refused with its name, and left as it was', (t) => {
  const file = tempFile(t);
  writeFileSync(file, 'these are not the bytes of a SQLite database'.repeat(100));
  assert.throws(() => new AgentDb(file), (error: Error) => error.message.includes(file) && /not a database/.test(error.message));
  assert.match(readFileSync(file, 'utf8'), /^these are not the bytes/);
});
