/** The agent's database as a service: opened first, closed last; its checkpoints on a thread of their own. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AgentDb } from '../store/agent-db';
import { type Checkpointer, checkpointOffThread } from '../store/checkpointer';
import type { Service } from './service';

export function storeService(dataDir: string, log: Logger): Service<AgentDb> {
  let db: AgentDb | undefined;
  let checkpoints: Checkpointer | undefined;
  return {
    name: 'store',
    start: () => {
      const file = join(dataDir, 'agent.db');
      db = new AgentDb(file);
      checkpoints = checkpointOffThread(db.db, file, (message) => log.warn(message));
      return db;
    },
    stop: async () => {
      await checkpoints?.stop();
      db?.close();
    },
  };
}
