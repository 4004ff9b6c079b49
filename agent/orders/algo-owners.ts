/**
 * Which agent of the fleet each algo trades from, as the hub keeps it: an algo's first order
 * names its agent, and from then on no other agent may trade, cancel or read under that algo's
 * name (a member vouches for its own tasks, not for the fleet's). The trader at the hub acts for
 * any algo. Kept in the hub's database, so a restart changes nothing; forgetting an agent frees
 * its algos' names.
 */
import type Database from 'better-sqlite3';
import { ApiError } from '../../shared/errors';

export class AlgoOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly db: Database.Database) {
    for (const row of db.prepare(`SELECT algo, agent FROM algo_agents`).all() as Array<{ algo: string; agent: string }>) this.owners.set(row.algo, row.agent);
  }

  /** Binds to `agent` every algo that has orders but no agent yet (orders from before names were bound). */
  adoptUnbound(agent: string, now = Date.now()): number {
    const rows = this.db.prepare(`SELECT DISTINCT algo FROM orders WHERE algo NOT IN (SELECT algo FROM algo_agents)`).all() as Array<{ algo: string }>;
    for (const { algo } of rows) {
      this.db.prepare(`INSERT INTO algo_agents (algo, agent, since) VALUES (?, ?, ?)`).run(algo, agent, now);
      this.owners.set(algo, agent);
    }
    return rows.length;
  }

  /** The agent `algo` trades from, if it traded yet. */
  of(algo: string): string | undefined {
    return this.owners.get(algo);
  }

  /** Algos of agent `agent`. */
  algosOf(agent: string): Set<string> {
    const algos = new Set<string>();
    for (const [algo, owner] of this.owners) if (owner === agent) algos.add(algo);
    return algos;
  }

  /** `agent` trades as `algo`: the first time binds the name to it; another agent's name is refused. */
  claim(algo: string, agent: string, agentName: (id: string) => string, now = Date.now()): void {
    const owner = this.owners.get(algo);
    if (owner === agent) return;
    if (owner !== undefined) {
      throw new ApiError('forbidden', `The algo "${algo}" trades from agent ${agentName(owner)}: another agent cannot trade under its name. Give this algo another name.`, { field: 'algo' });
    }
    this.db.prepare(`INSERT INTO algo_agents (algo, agent, since) VALUES (?, ?, ?)`).run(algo, agent, now);
    this.owners.set(algo, agent);
  }

  /** An agent left the fleet for good: its algos' names are free again. */
  release(agent: string): number {
    const freed = this.db.prepare(`DELETE FROM algo_agents WHERE agent = ?`).run(agent).changes;
    for (const [algo, owner] of this.owners) if (owner === agent) this.owners.delete(algo);
    return freed;
  }
}
