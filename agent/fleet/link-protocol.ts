/**
 * The link between a member and its hub: one WebSocket the member dials, JSON messages both
 * ways. The hub calls the member's API (`call` → `result`) and tunnels stream sessions to it
 * (`open`, `in`, `close` → `msg`). A member asks the hub for one thing only: its own algos'
 * orders at the central risk manager (`ask` → `answer`, a short list of methods run as the
 * member's principal), and the hub sends it their order and risk events (`event`). It cannot
 * act on the hub otherwise, nor on other members.
 */
import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors';
import type { Principal } from '../../shared/contract/scopes';
import { algoNameSchema } from '../../shared/contract/order-schemas';

/** What a member may ask of its hub: its algos' orders, positions and the shared risk state. */
export const MEMBER_ASKS = ['placeOrder', 'cancelOrder', 'listOrders', 'getPositions', 'getRisk', 'getRiskHistory'] as const;
export type MemberAsk = (typeof MEMBER_ASKS)[number];

/** Bytes cross the link as `{"$bytes":"<base64>"}` (an upload routed to a member). */
export function encodeLink(message: unknown): string {
  return JSON.stringify(message, (_key, value: unknown) => (value instanceof Uint8Array ? { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } : value));
}

export function decodeLink(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const bytes = (value as { $bytes?: unknown }).$bytes;
      if (typeof bytes === 'string' && Object.keys(value).length === 1) return new Uint8Array(Buffer.from(bytes, 'base64'));
    }
    return value;
  });
}

const name = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, spaces and . _ - (starting with a letter or digit)');
const agentId = z.string().regex(/^[0-9a-f]{16}$/, 'an agent id: 16 lowercase hex digits');
const labels = z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/), z.string().max(64)).refine((l) => Object.keys(l).length <= 32, 'at most 32 labels');

export const agentNameSchema = name;
export const agentIdSchema = agentId;
export const agentLabelsSchema = labels;

/** The member's first message. */
export const helloSchema = z.strictObject({
  t: z.literal('hello'),
  id: agentId,
  name,
  labels,
  version: z.string().max(64),
  /** The secret this hub gave the member at its first join: no other agent can claim its id. */
  secret: z.string().min(16).max(256).optional(),
});
export type Hello = z.output<typeof helloSchema>;

const principalSchema = z.union([
  z.strictObject({ kind: z.literal('owner') }),
  z.strictObject({ kind: z.literal('session'), sessionId: z.string().max(128) }),
  z.strictObject({ kind: z.literal('viewer') }),
]);

const errorSchema = z.object({ code: z.string(), message: z.string(), field: z.string().optional(), details: z.unknown().optional() });

/** Member → hub, after the hello. */
export const memberMessageSchema = z.union([
  z.strictObject({ t: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown().optional(), json: z.string().optional() }),
  z.strictObject({ t: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: errorSchema }),
  z.strictObject({ t: z.literal('msg'), sid: z.number().int(), m: z.looseObject({ type: z.string() }) }),
  /** The member has stored the secret of its welcome. */
  z.strictObject({ t: z.literal('saved') }),
  /** For its algos (one of them, when it acts for that algo's task): the hub's answer comes as `answer`. */
  z.strictObject({ t: z.literal('ask'), id: z.number().int().nonnegative(), method: z.enum(MEMBER_ASKS), input: z.unknown(), algo: algoNameSchema.optional() }),
]);
export type MemberMessage = z.output<typeof memberMessageSchema>;

/** Hub → member. */
export const hubMessageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('welcome'), hub: z.strictObject({ id: agentId, name }), secret: z.string().min(16).max(256).optional() }),
  z.strictObject({ t: z.literal('call'), id: z.number().int(), method: z.string().max(64), input: z.unknown(), principal: principalSchema, who: z.string().max(200) }),
  z.strictObject({ t: z.literal('open'), sid: z.number().int(), principal: principalSchema }),
  z.strictObject({ t: z.literal('in'), sid: z.number().int(), m: z.unknown() }),
  z.strictObject({ t: z.literal('close'), sid: z.number().int() }),
  z.strictObject({ t: z.literal('answer'), id: z.number().int(), ok: z.boolean(), value: z.unknown().optional(), error: errorSchema.optional() }),
  /** An order or risk event of the member's algos (from the hub's `orders` and `risk` topics). */
  z.strictObject({ t: z.literal('event'), m: z.looseObject({ type: z.enum(['orders', 'risk_state']) }) }),
]);
export type HubMessage = z.output<typeof hubMessageSchema>;

/** Principals a hub may pass on: a task's token is its own agent's only. */
export type LinkPrincipal = Exclude<Principal, { kind: 'task' }>;

/** Close codes of the link, with the reason as the close frame's text. */
export const LINK_CLOSE = {
  /** The join token was refused (also sent as HTTP 401 before the upgrade). */
  refused: 4001,
  /** Another agent holds the name, or this agent's id is linked already. */
  conflict: 4009,
  /** A message the protocol does not allow. */
  violation: 4008,
  /** The hub is stopping. */
  goingAway: 1001,
} as const;

/** An error code as received, or `internal` for one this agent does not know. */
export function knownCode(code: string): ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code) ? (code as ErrorCode) : 'internal';
}
