/**
 * Who this agent is in a fleet: an id made once and kept in its database (so a member that
 * restarts, or moves to another address, is the same agent to its hub), and a name: the one
 * given, else the machine's host name.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AgentDb } from '../store/agent-db';
import { VERSION } from '../version';
import type { SelfAgent } from './fleet-hub';
import { agentNameSchema } from './link-protocol';

const ID_SETTING = 'agent.id';

/** A host name as an agent name: letters, digits and `. _ -`, at most 64 characters. */
export function nameOfHost(host: string): string {
  const name = host.replace(/[^A-Za-z0-9 ._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return agentNameSchema.safeParse(name).success ? name : 'agent';
}

export function agentIdentity(db: AgentDb, given: { name?: string | undefined; labels?: Record<string, string> | undefined } = {}): SelfAgent {
  let id = db.setting(ID_SETTING);
  if (id === undefined || !/^[0-9a-f]{16}$/.test(id)) {
    id = randomBytes(8).toString('hex');
    db.saveSettings({ [ID_SETTING]: id });
  }
  return { id, name: given.name ?? nameOfHost(hostname()), labels: given.labels ?? {}, version: VERSION };
}
