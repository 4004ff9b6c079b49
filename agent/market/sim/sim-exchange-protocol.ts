/**
 * Messages between the agent and the simulated exchange's process (sim-exchange-main.ts).
 * Kept apart from the entry module so the agent can import them without starting an exchange.
 */
import { z } from 'zod';
import { MAX_GENERATED } from './universe';

/** The simulated history serves 2000 to 2100: walking it from 2025 costs a step per day. */
const HISTORY_EARLIEST = Date.UTC(2000, 0, 1);
const HISTORY_LATEST = Date.UTC(2100, 0, 1);

export const simExchangeOptionsSchema = z.strictObject({
  apiKey: z.string().min(1).max(200),
  accessToken: z.string().min(1).max(200),
  /** Generated instruments added to the NIFTY 50 stocks and indices. */
  generated: z.number().int().min(0).max(MAX_GENERATED).default(0),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Epoch ms of a minute's start: the markets resume the seed's simulated history there. */
  historyFrom: z.number().int().multipleOf(60_000).min(HISTORY_EARLIEST).max(HISTORY_LATEST).optional(),
  ticksPerSecond: z.number().positive().max(1000).default(1),
  frameIntervalMs: z.number().positive().max(1000).optional(),
  heartbeatMs: z.number().positive().max(60_000).optional(),
  limits: z
    .strictObject({
      instrumentsPerConnection: z.number().int().positive().optional(),
      connectionsPerKey: z.number().int().positive().optional(),
    })
    .optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
});

export const simExchangeStartSchema = z.strictObject({
  type: z.literal('start'),
  options: simExchangeOptionsSchema,
});

export const simExchangeStopSchema = z.strictObject({ type: z.literal('stop') });

/** What the agent sends to the exchange process. */
export const simExchangeRequestSchema = z.discriminatedUnion('type', [simExchangeStartSchema, simExchangeStopSchema]);

/** What the exchange process answers. */
export const simExchangeReplySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('started'), url: z.string(), port: z.number().int() }),
  z.strictObject({ type: z.literal('error'), message: z.string() }),
]);

/** Input form: defaults may be left out. */
export type SimExchangeOptionsInput = z.input<typeof simExchangeOptionsSchema>;
export type SimExchangeOptions = z.output<typeof simExchangeOptionsSchema>;
export type SimExchangeRequest = z.input<typeof simExchangeRequestSchema>;
export type SimExchangeReply = z.output<typeof simExchangeReplySchema>;
export type SimExchangeMessage = SimExchangeRequest | SimExchangeReply;
