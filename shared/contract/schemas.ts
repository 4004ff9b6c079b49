/** Validation schemas for everything that crosses a process or network boundary. */
import { z } from 'zod';
import { CANDLE_INTERVALS } from '../candle';
import { parseInstrumentId } from '../instrument';
import { TICK_MODES } from '../tick';

export const MAX_INSTRUMENTS_PER_REQUEST = 10_000;
export const MAX_WORKERS = 16;

export const instrumentIdSchema = z
  .string()
  .refine((id) => parseInstrumentId(id) !== null, {
    message: 'must be an instrument id like NSE:INFY (EXCHANGE:TRADINGSYMBOL)',
  });

export const tickModeSchema = z.enum(TICK_MODES);

export const instrumentListSchema = z
  .array(instrumentIdSchema)
  .min(1, 'name at least one instrument')
  .max(MAX_INSTRUMENTS_PER_REQUEST, `at most ${MAX_INSTRUMENTS_PER_REQUEST} instruments per request`);

/**
 * Instruments in a query string: `a,b,c`, repeated keys, or both. Ids may hold spaces
 * (`NSE:NIFTY 50`) but never commas.
 */
export const queryInstrumentListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((text) => text.split(','))
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(instrumentListSchema);

export const emptySchema = z.strictObject({});
/** Health checkers add cache-busting parameters: ignore whatever they send. */
export const anySchema = z.object({});

export const listInstrumentsInput = z.strictObject({
  search: z.string().max(64).optional(),
  /** Exactly these instruments (the known ones, in this order) instead of a search. */
  ids: queryInstrumentListSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_INSTRUMENTS_PER_REQUEST).default(50),
});

export const subscribeInput = z.strictObject({
  instruments: instrumentListSchema,
  mode: tickModeSchema.optional(),
});

export const unsubscribeInput = z.strictObject({
  instruments: instrumentListSchema,
});

export const setWorkersInput = z.strictObject({
  count: z.number().int().min(1).max(MAX_WORKERS),
});

export const quotesInput = z.strictObject({
  instruments: queryInstrumentListSchema,
});

export const quotesBodyInput = z.strictObject({
  instruments: instrumentListSchema,
});

export const candleIntervalSchema = z.enum(CANDLE_INTERVALS);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An instant as ISO-8601 with its zone (`2026-11-25T03:45:00Z`, `…T09:15:00+05:30`), into epoch ms. */
export const isoInstantSchema = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const ms = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 time with its zone, like 2026-11-25T03:45:00Z' });
      return z.NEVER;
    }
    return ms;
  });

export const candlesInput = z
  .strictObject({
    instrument: instrumentIdSchema,
    interval: candleIntervalSchema,
    from: isoInstantSchema.optional(),
    to: isoInstantSchema.optional(),
    /** A future's day candles stitched across its expired contracts (the broker's continuous data). */
    continuous: z
      .union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')], 'must be true or false')
      .optional(),
  })
  .refine((input) => input.from === undefined || input.to === undefined || input.from < input.to, {
    message: 'must be before "to"',
    path: ['from'],
  });

/** Series a stream client follows: at most this many per subscribe. */
export const MAX_CANDLE_SERIES = 500;

export const candleSeriesSchema = z.strictObject({ instrument: instrumentIdSchema, interval: candleIntervalSchema });

export const candleSelectionSchema = z.strictObject({
  series: z.array(candleSeriesSchema).min(1, 'name at least one series').max(MAX_CANDLE_SERIES, `at most ${MAX_CANDLE_SERIES} series per request`),
  /** Adds the series' instruments the ticker does not carry to its subscriptions (quote mode; the `task` scope). */
  carry: z.boolean().optional(),
});

export const brokerCredentialsInput = z.strictObject({
  apiKey: z.string().min(1).max(64),
  apiSecret: z.string().min(1).max(256),
});

export const brokerSessionInput = z.strictObject({
  requestToken: z.string().regex(/^[A-Za-z0-9]{8,64}$/, 'expected the request_token from the login redirect'),
});

/** Kite's redirect carries its own parameters and the login's `redirect_params`: the handler reads what it needs. */
export const brokerCallbackInput = z.looseObject({});

export const MAX_WATCHLIST_INSTRUMENTS = 1000;

const watchlistName = z
  .string()
  .trim()
  .min(1, 'name the watchlist')
  .max(40, 'at most 40 characters')
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  .refine((name) => !/[\x00-\x1f\x7f]/.test(name), 'no control characters');

const watchlistInstruments = z
  .array(instrumentIdSchema)
  .max(MAX_WATCHLIST_INSTRUMENTS, `at most ${MAX_WATCHLIST_INSTRUMENTS} instruments in a watchlist`)
  .refine((ids) => new Set(ids).size === ids.length, 'an instrument is listed twice');

const watchlistId = z.coerce.number().int().positive();

export const createWatchlistInput = z.strictObject({ name: watchlistName, instruments: watchlistInstruments.default([]) });

export const updateWatchlistInput = z
  .strictObject({ id: watchlistId, name: watchlistName.optional(), instruments: watchlistInstruments.optional() })
  .refine((input) => input.name !== undefined || input.instruments !== undefined, { message: 'give a name or instruments to change', path: ['name'] });

export const watchlistIdInput = z.strictObject({ id: watchlistId });

export const signInInput = z
  .strictObject({ token: z.string().min(1).max(512).optional(), password: z.string().min(1).max(256).optional() })
  .refine((input) => (input.token === undefined) !== (input.password === undefined), { message: 'give the token or the password', path: ['token'] });

export const setPasswordInput = z.strictObject({
  password: z.string().min(10, 'at least 10 characters').max(256, 'at most 256 characters'),
});
