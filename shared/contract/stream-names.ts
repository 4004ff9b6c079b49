/**
 * The stream's wire names, apart from its topic schemas (`stream.ts`): what a client needs to
 * connect, without loading a validation library. `stream.ts` re-exports them.
 */
import type { TopicName } from './stream';

export const STREAM_PATH = '/api/v1/stream';
export const STREAM_FORMATS = ['json', 'binary'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];
/** Browsers cannot set headers on a WebSocket: they offer the token as this subprotocol prefix. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.';
export const STREAM_PROTOCOL = 'algodeck.v1';
/** A subscribe or unsubscribe message without a topic is about ticks. */
export const DEFAULT_TOPIC: TopicName = 'ticks';
