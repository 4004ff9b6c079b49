/**
 * The database's WAL checkpoints, off the agent's main thread. SQLite by default checkpoints on
 * the committing thread once the WAL passes 1,000 pages, and a checkpoint writes pages back and
 * syncs the file: several milliseconds that land on whichever order or candle write crossed the
 * line. Here the main connection never checkpoints; a worker thread with its own connection to
 * the same file runs a PASSIVE checkpoint (it never blocks the writer) every second. If the
 * worker cannot start, the main connection checkpoints as before. The worker never starts the
 * WAL afresh (only the writing connection may, or the writer's next transaction would fail):
 * under a writer that never pauses, past about 40 MiB of WAL the main connection checkpoints
 * itself again until it is back under.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let behind = false;
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // Only the writer may start the WAL afresh (another connection doing it would fail the
    // writer's next transaction): past the bound it is asked to checkpoint itself again.
    const over = result !== undefined && result.log > workerData.maxFrames;
    if (over !== behind) parentPort.postMessage({ behind: (behind = over) });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
}, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
    parentPort.close();
  }
});
`;

/** WAL frames (4 KiB pages) past which the checkpoint waits for the writer (about 40 MiB). */
const MAX_WAL_FRAMES = 10_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Takes `db`'s checkpoints to a worker thread; `onError` hears of a checkpoint that failed. */
export function checkpointOffThread(db: Database.Database, file: string, onError: (message: string) => void, everyMs = 1000): Checkpointer {
  let worker: Worker;
  try {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER, { eval: true, workerData: { module, file, everyMs, maxFrames: MAX_WAL_FRAMES } });
  } catch (error) {
    onError(`checkpoints stay on the main thread: ${(error as Error).message}`);
    return { stop: async () => undefined };
  }
  db.pragma('wal_autocheckpoint = 0');
  // A WAL that grew past the bound is cut back to this size once checkpointed.
  db.pragma(`journal_size_limit = ${MAX_WAL_FRAMES * 4096}`);
  worker.unref();
  worker.on('message', (message: { error?: string; behind?: boolean }) => {
    if (message.error) onError(message.error);
    // A writer that never pauses keeps passive checkpoints from finishing: it checkpoints itself until the WAL is back under the bound.
    if (message.behind !== undefined) db.pragma(`wal_autocheckpoint = ${message.behind ? 1000 : 0}`);
  });
  let failed = false;
  worker.on('error', (error) => {
    failed = true;
    // The worker is gone: the main connection checkpoints again, so the WAL cannot grow for ever.
    db.pragma('wal_autocheckpoint = 1000');
    onError(`the checkpoint thread failed, checkpoints are back on the main thread: ${error.message}`);
  });
  return {
    async stop() {
      if (failed) return;
      // Held open until it has closed its connection (a last checkpoint first).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
