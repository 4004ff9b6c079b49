/** Validation of the fleet's calls: an agent named in a path, join tokens, the audit log's query. */
import { z } from 'zod';

/** An agent of the fleet: its id (16 hex digits) or its name. */
export const agentRefSchema = z.string().min(1).max(64);

export const agentRefInput = z.strictObject({ agentId: agentRefSchema });

export const joinTokenInput = z.strictObject({
  /** What the token is for, for the owner's memory (`ec2 Mumbai`). */
  label: z.string().trim().max(64).optional(),
});

export const auditInput = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Entries older than this id (the next page). */
  before: z.coerce.number().int().positive().optional(),
  agent: z.string().min(1).max(64).optional(),
  method: z.string().min(1).max(64).optional(),
});
