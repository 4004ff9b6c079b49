/** Messages of the WebSocket stream `/api/v1/stream`. Client messages are JSON text. */
import { z } from 'zod';
import type { ErrorBody } from '../errors';
import type { Tick } from '../tick';
import { instrumentListSchema } from './schemas';

export const STREAM_PATH = '/api/v1/stream';
export const STREAM_FORMATS = ['json', 'binary'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];
/** Browsers cannot set headers on a WebSocket: they offer the token as this subprotocol prefix. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.';
export const STREAM_PROTOCOL = 'algodeck.v1';

const selectionFields = {
  id: z.string().max(64).optional(),
  instruments: instrumentListSchema.optional(),
  all: z.literal(true).optional(),
};
const oneSelection = (message: { instruments?: string[] | undefined; all?: true | undefined }) =>
  (message.instruments === undefined) !== (message.all === undefined);
const oneSelectionError = { message: 'give either "instruments" or "all": true', path: ['instruments'] };

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), ...selectionFields }).refine(oneSelection, oneSelectionError),
  z.strictObject({ type: z.literal('unsubscribe'), ...selectionFields }).refine(oneSelection, oneSelectionError),
  z.strictObject({ type: z.literal('ping'), id: z.string().max(64).optional() }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ServerMessage =
  | { type: 'welcome'; version: string; format: StreamFormat }
  | {
      type: 'subscribed';
      id?: string;
      /** The instruments this request added (`all` for an all-instruments subscription). */
      instruments: string[] | 'all';
      /** Token of each newly named instrument: binary frames carry tokens, not ids. */
      tokens: Record<string, number>;
      /** Named instruments the ticker is not subscribed to: no ticks until it is. */
      inactive: string[];
    }
  | { type: 'unsubscribed'; id?: string; instruments: string[] | 'all' }
  | { type: 'ticks'; ticks: Tick[] }
  | { type: 'lagged'; conflated: number; message: string }
  | { type: 'pong'; id?: string }
  | ({ type: 'error'; id?: string } & ErrorBody);
