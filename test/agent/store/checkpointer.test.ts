import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { checkpointOffThread } from '../../../agent/store/checkpointer';
import { waitFor } from '../../helpers/wait';

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-checkpoint-'));
  const file = join(dir, 'a.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const write = (rows: number) => db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(2000));
  })();
  return { dir, file, db, write, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('checkpoints run on their own thread: the writer never checkpoints, and the data reaches the file', async () => {
  const { file, db, write, done } = open();
  const errors: string[] = [];
  const checkpoints = checkpointOffThread(db, file, (message) => errors.push(message), 50);
  try {
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'the writer leaves checkpoints to the thread');
    const before = statSync(file).size;
    // Far past the 1,000 pages the writer would have checkpointed at.
    for (let i = 0; i < 30; i++) write(100);
    await waitFor('the thread to copy the WAL into the file', () => statSync(file).size > before + 4_000_000, 10_000);
    const [state] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    assert.equal(state!.checkpointed, state!.log, 'nothing left for the writer to copy');
    assert.deepEqual(errors, []);
  } finally {
    await checkpoints.stop();
    db.close();
    done();
  }
});

test('a writer that never pauses checkpoints itself again once the WAL passes its bound', async () => {
  const { file, db, write, done } = open();
  const checkpoints = checkpointOffThread(db, file, () => undefined, 20);
  // A reader that holds its snapshot keeps every passive checkpoint from finishing, as a writer that never pauses would.
  const reader = new Database(file);
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) FROM t').get();
  try {
    for (let i = 0; i < 260; i++) write(100);
    await waitFor('the writer asked to checkpoint again', () => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 10_000);
    reader.exec('COMMIT');
    write(1);
    await waitFor('back under the bound, back to the thread', () => {
      write(1);
      return db.pragma('wal_autocheckpoint', { simple: true }) === 0;
    }, 10_000);
  } finally {
    reader.close();
    await checkpoints.stop();
    db.close();
    done();
  }
});
