/** Validation of orders and of the risk manager's limits. */
import { z } from 'zod';
import { ORDER_SIDES, ORDER_STATES, ORDER_TYPES, PRODUCTS, VALIDITIES } from '../order';
import { TRADING_STATES } from '../risk';
import { instrumentIdSchema } from './schemas';

const price = z.number().positive('must be above 0').finite().max(1e9);
export const algoNameSchema = z
  .string()
  .min(1, 'name the algo')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, spaces and . _ -')
  .refine((name) => name.toLowerCase() !== 'global', '"global" names every algo together: give the algo another name');

export const placeOrderInput = z
  .strictObject({
    algo: algoNameSchema,
    instrument: instrumentIdSchema,
    side: z.enum(ORDER_SIDES),
    quantity: z.number().int('a whole number').min(1).max(10_000_000),
    type: z.enum(ORDER_TYPES),
    price: price.optional(),
    trigger: price.optional(),
    stopLoss: price.optional(),
    product: z.enum(PRODUCTS).optional(),
    validity: z.enum(VALIDITIES).optional(),
    clientOrderId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'up to 64 letters, digits and . _ : -').optional(),
  })
  .superRefine((order, ctx) => {
    if ((order.type === 'LIMIT' || order.type === 'SL') && order.price === undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: `a ${order.type} order needs a price` });
    if ((order.type === 'MARKET' || order.type === 'SL-M') && order.price !== undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: `a ${order.type} order takes no price` });
    if ((order.type === 'SL' || order.type === 'SL-M') && order.trigger === undefined) ctx.addIssue({ code: 'custom', path: ['trigger'], message: `a ${order.type} order needs a trigger` });
    if ((order.type === 'MARKET' || order.type === 'LIMIT') && order.trigger !== undefined) ctx.addIssue({ code: 'custom', path: ['trigger'], message: `a ${order.type} order takes no trigger` });
  });

export const listOrdersInput = z.strictObject({
  algo: algoNameSchema.optional(),
  state: z.enum(ORDER_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const orderIdInput = z.strictObject({ id: z.string().regex(/^o-[0-9a-z]+-[0-9a-f]{8}$/, 'not an order id') });

const amount = z.number().positive('must be above 0').finite().nullable();
/** A time of day in the exchange's zone, `HH:MM` (24-hour). */
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour), in the exchange’s time');
const count = z.number().int().min(1).nullable();
/** A partial change of one set of limits: a field given changes, `null` removes it, one left out stays. */
export const riskLimitsPatch = z.strictObject({
  maxOrderValue: amount.optional(),
  maxOrderQuantity: count.optional(),
  maxRiskPerTrade: amount.optional(),
  maxRisk: amount.optional(),
  maxOpenPositions: count.optional(),
  maxOrdersPerSecond: count.optional(),
  maxOrdersPerMinute: count.optional(),
  maxDailyLoss: amount.optional(),
  maxDrawdown: amount.optional(),
  onBreach: z.enum(['REDUCING', 'HALTED']).nullable().optional(),
  tradingWindow: z
    .strictObject({ from: clock, to: clock })
    .refine((window) => window.from !== window.to, { message: 'a window needs two different times', path: ['to'] })
    .nullable()
    .optional(),
});

export const setRiskLimitsInput = z.strictObject({
  global: riskLimitsPatch
    .extend({
      fallbackRiskFraction: z.number().gt(0).max(1).nullable().optional(),
      allow: z.array(instrumentIdSchema).max(10_000).nullable().optional(),
      deny: z.array(instrumentIdSchema).max(10_000).nullable().optional(),
    })
    .optional(),
  algos: z.record(algoNameSchema, riskLimitsPatch.nullable()).optional(),
  instruments: z.record(instrumentIdSchema, z.strictObject({ maxOrderValue: amount.optional(), maxOrderQuantity: count.optional(), maxRisk: amount.optional() }).nullable()).optional(),
});
export type RiskLimitsChange = z.output<typeof setRiskLimitsInput>;

export const killSwitchInput = z.strictObject({
  engage: z.boolean(),
  /** Square off every position (market orders through the same checks, as exits). */
  flatten: z.boolean().default(false),
  /** Stop every algo task, on this agent and every member of its fleet. */
  stopAlgos: z.boolean().default(false),
});

export const tradingStateInput = z.strictObject({
  /** An algo's name, or `global` for everything. */
  scope: z.union([z.literal('global'), algoNameSchema]),
  state: z.enum(TRADING_STATES),
  /** Shown with the state (default: set by hand). */
  reason: z.string().trim().min(1).max(200).optional(),
});

export const riskHistoryInput = z.strictObject({ days: z.coerce.number().int().min(1).max(3660).default(30) });
