/** Messages between the agent and its ticker workers; both sides validate what they receive. */
import { z } from 'zod';
import { tickModeSchema } from '../../shared/contract/schemas';
import { kiteOrderUpdateSchema } from '../broker/kite/kite-order-update';

const tokens = z.array(z.number().int().min(1).max(0x7fffffff)).max(10_000);

export const providerConfigSchema = z.object({
  kind: z.literal('kite-ws'),
  url: z.string().url(),
  apiKey: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  idleTimeoutMs: z.number().int().positive().optional(),
  reconnect: z.object({ initialDelayMs: z.number().positive(), maxDelayMs: z.number().positive() }).optional(),
});

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('init'),
    workerId: z.number().int().positive(),
    provider: providerConfigSchema,
    /** Where to listen for the agent's tick link (see tick-link-listener.ts), and the key it will show. */
    link: z.object({ path: z.string().min(1), key: z.string().regex(/^[0-9a-f]{64}$/) }),
  }),
  z.object({ type: z.literal('subscribe'), tokens, mode: tickModeSchema }),
  z.object({ type: z.literal('unsubscribe'), tokens }),
  z.object({ type: z.literal('mode'), tokens, mode: tickModeSchema }),
  /** The API key and the day's access token (null: logged out, disconnect and wait). */
  z.object({ type: z.literal('credentials'), apiKey: z.string().min(1), accessToken: z.string().min(1).nullable() }),
  z.object({ type: z.literal('stop') }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

export const fromWorkerSchema = z.discriminatedUnion('type', [
  /** The worker listens on its link's path: the agent may connect. */
  z.object({ type: z.literal('link-listening') }),
  z.object({ type: z.literal('ready'), workerId: z.number().int() }),
  z.object({
    type: z.literal('provider'),
    state: z.enum(['connecting', 'connected', 'reconnecting', 'unauthorized', 'closed']),
    detail: z.string().optional(),
  }),
  z.object({ type: z.literal('notice'), level: z.enum(['error', 'message']), text: z.string() }),
  /** An order update (Kite's postback) from the broker connection, for the order router. */
  z.object({ type: z.literal('order'), order: kiteOrderUpdateSchema }),
  z.object({
    type: z.literal('stats'),
    framesReceived: z.number(),
    packetsReceived: z.number(),
    badFrames: z.number(),
    reconnects: z.number(),
    rssBytes: z.number(),
  }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;
