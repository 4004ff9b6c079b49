/**
 * The WebSocket stream `/api/v1/stream`, declared as topics. Each topic has a scope, the fields
 * of its subscribe and unsubscribe messages, and the message types it sends; a client message
 * names its topic (`{"type":"subscribe","topic":"ticks","instruments":[…]}`), and one without
 * a topic means `ticks`. Client messages are JSON text.
 */
import { z } from 'zod';
import { ApiError, type ErrorBody } from '../errors';
import type { Candle, CandleInterval } from '../candle';
import type { Tick } from '../tick';
import { type Returns, returns } from './method';
import { candleSelectionSchema, instrumentListSchema, tickModeSchema } from './schemas';
import { taskLogSelectionSchema } from './task-schemas';
import type { AgentInfo } from '../fleet';
import type { Order } from '../order';
import type { TradingState } from '../risk';
import type { SystemSample } from '../system';
import type { LogLine, TaskInfo } from '../task';
import type { Scope } from './scopes';
import { validationError } from './validation';

import type { StreamFormat } from './stream-names';

export { BEARER_PROTOCOL_PREFIX, DEFAULT_TOPIC, STREAM_FORMATS, STREAM_PATH, STREAM_PROTOCOL, type StreamFormat } from './stream-names';

/** What a topic answers and sends, carried by its declaration as types only. */
export interface TopicTypes<Subscribed, Unsubscribed, Message extends { type: string }> {
  subscribed: Subscribed;
  unsubscribed: Unsubscribed;
  message: Message;
}

export interface TopicDeclaration<S extends z.ZodType = z.ZodType, T extends TopicTypes<unknown, unknown, { type: string }> = TopicTypes<unknown, unknown, { type: string }>>
  extends Returns<T> {
  scope: Scope;
  /** For `task` scope: the selection field naming the task. */
  taskParam?: string;
  /** The fields of subscribe and unsubscribe messages besides `type`, `topic` and `id`. */
  selection: S;
  /** The `type` of every message the topic sends (unique across topics). */
  messages: readonly string[];
}

export function topic<S extends z.ZodType, T extends TopicTypes<unknown, unknown, { type: string }>>(
  declaration: { scope: Scope; taskParam?: string; selection: S; messages: readonly string[] } & Returns<T>,
): TopicDeclaration<S, T> {
  return declaration;
}

export type TopicTable = Record<string, TopicDeclaration>;

// --- ticks ---

const oneSelection = (message: { instruments?: string[] | undefined; all?: true | undefined }) =>
  (message.instruments === undefined) !== (message.all === undefined);

/**
 * Some instruments, or every instrument the ticker carries. `carry` (a subscribe of named
 * instruments; the `task` scope) adds those the ticker does not carry to its subscriptions, in
 * `mode` (default quote).
 */
export const tickSelectionSchema = z
  .strictObject({ instruments: instrumentListSchema.optional(), all: z.literal(true).optional(), carry: z.boolean().optional(), mode: tickModeSchema.optional() })
  .refine(oneSelection, { message: 'give either "instruments" or "all": true', path: ['instruments'] })
  .refine((message) => !(message.carry === true && message.all === true), { message: 'carry names its instruments: it cannot go with "all"', path: ['carry'] });
export type TickSelection = z.output<typeof tickSelectionSchema>;

export interface TicksSubscribed {
  /** The instruments this request added (`all` for an all-instruments subscription). */
  instruments: string[] | 'all';
  /** Token of each newly named instrument: binary frames carry tokens, not ids. */
  tokens: Record<string, number>;
  /** Named instruments the ticker is not subscribed to: no ticks until it is. */
  inactive: string[];
}

export type TicksMessage =
  | { type: 'ticks'; ticks: Tick[] }
  | { type: 'lagged'; conflated: number; message: string };

// --- candles ---

export interface CandleSeries {
  instrument: string;
  interval: CandleInterval;
}

export interface CandleUpdate extends CandleSeries {
  candle: Candle;
  /** True once per completed bar; false for updates of the forming bar. */
  closed: boolean;
}

export interface CandlesSubscribed {
  series: CandleSeries[];
  /** Instruments of these series the ticker does not carry: no live candles until it does. */
  inactive: string[];
}

export type CandlesMessage = { type: 'candles'; updates: CandleUpdate[] };

// --- backfill ---

/** Progress of fetching missing history from the provider. */
export interface BackfillProgress {
  type: 'backfill';
  instrument: string;
  /** The range being fetched (UTC ISO-8601). */
  from: string;
  to: string;
  /** Requests to the provider: done of total. */
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed';
  /** Why it failed. */
  message?: string;
}

// --- tasks, logs, system ---

/**
 * The `tasks`, `logs` and `system` topics name an `agent` of the fleet to follow a member through
 * its hub (its id or name; none: this agent); their messages say which agent they are of.
 */
const agentRef = z.string().min(1).max(64).optional();

/** Tasks that changed (state, or the statistics sampled every second). */
export type TasksMessage = { type: 'tasks'; tasks: TaskInfo[]; agent?: string } | { type: 'task_removed'; id: string; agent?: string };

/** New output of one task. */
export type LogsMessage = { type: 'logs'; task: string; lines: LogLine[]; agent?: string };

/** Each second's statistics of the machine (`GET /api/v1/system` gives the history to start from). */
export type SystemMessage = { type: 'system'; sample: SystemSample; agent?: string };

/** Orders that moved (placed, open, filled in part or whole, cancelled, rejected). */
export type OrdersMessage = { type: 'orders'; orders: Order[] };

/** Trading states that changed, and why (a user, the kill switch, a breach). */
export type RiskMessage = { type: 'risk_state'; scope: string; from: TradingState; to: TradingState; reason: string };

/** Agents of the fleet that changed: joined, left, or sent their statistics (every second). */
export type FleetMessage = { type: 'fleet'; agents: AgentInfo[] };

export const topics = {
  ticks: topic({
    scope: 'read',
    selection: tickSelectionSchema,
    messages: ['ticks', 'lagged'],
    ...returns<TopicTypes<TicksSubscribed, { instruments: string[] | 'all' }, TicksMessage>>(),
  }),
  candles: topic({
    scope: 'read',
    selection: candleSelectionSchema,
    messages: ['candles'],
    ...returns<TopicTypes<CandlesSubscribed, { series: CandleSeries[] }, CandlesMessage>>(),
  }),
  backfill: topic({
    scope: 'read',
    selection: z.strictObject({}),
    messages: ['backfill'],
    ...returns<TopicTypes<Record<string, never>, Record<string, never>, BackfillProgress>>(),
  }),
  /** Every task's changes (a task token: its own task's); the subscribe answers the tasks as they are. */
  tasks: topic({
    scope: 'task',
    selection: z.strictObject({ agent: agentRef }),
    messages: ['tasks', 'task_removed'],
    ...returns<TopicTypes<{ tasks: TaskInfo[] }, Record<string, never>, TasksMessage>>(),
  }),
  /** One task's output as it is written. */
  logs: topic({
    scope: 'task',
    taskParam: 'task',
    selection: taskLogSelectionSchema.extend({ agent: agentRef }),
    messages: ['logs'],
    ...returns<TopicTypes<{ task: string }, { task: string }, LogsMessage>>(),
  }),
  system: topic({
    scope: 'observe',
    selection: z.strictObject({ agent: agentRef }),
    messages: ['system'],
    ...returns<TopicTypes<Record<string, never>, Record<string, never>, SystemMessage>>(),
  }),
  /** Every order's transitions and fills (an algo's own token: its own algo's). */
  orders: topic({
    scope: 'task',
    selection: z.strictObject({}),
    messages: ['orders'],
    ...returns<TopicTypes<Record<string, never>, Record<string, never>, OrdersMessage>>(),
  }),
  /** Trading-state changes and breaches. */
  risk: topic({
    scope: 'read',
    selection: z.strictObject({}),
    messages: ['risk_state'],
    ...returns<TopicTypes<Record<string, never>, Record<string, never>, RiskMessage>>(),
  }),
  /** Every agent of the fleet as it changes (on an agent that is not a hub: itself). */
  fleet: topic({
    scope: 'observe',
    selection: z.strictObject({}),
    messages: ['fleet'],
    ...returns<TopicTypes<{ agents: AgentInfo[] }, Record<string, never>, FleetMessage>>(),
  }),
};
export type Topics = typeof topics;
export type TopicName = keyof Topics;

// --- messages ---

type TypesOf<D> = D extends Returns<infer T> ? T : never;
export type SelectionOf<D extends TopicDeclaration> = z.output<D['selection']>;
export type SelectionInputOf<D extends TopicDeclaration> = z.input<D['selection']>;
export type SubscribedOf<D> = TypesOf<D> extends TopicTypes<infer S, unknown, { type: string }> ? S : never;
export type UnsubscribedOf<D> = TypesOf<D> extends TopicTypes<unknown, infer U, { type: string }> ? U : never;
export type TopicMessageOf<D> = TypesOf<D> extends TopicTypes<unknown, unknown, infer M> ? M : never;

/** A client message after validation. */
export type ClientMessageOf<T extends TopicTable> =
  | { type: 'ping'; id?: string }
  | { [K in keyof T & string]: { type: 'subscribe' | 'unsubscribe'; topic: K; id?: string; selection: SelectionOf<T[K]> } }[keyof T & string];
export type ClientMessage = ClientMessageOf<Topics>;

/** Replies and messages a topic sends. */
export type TopicServerMessageOf<T extends TopicTable> = {
  [K in keyof T & string]:
    | ({ type: 'subscribed'; topic: K; id?: string } & SubscribedOf<T[K]>)
    | ({ type: 'unsubscribed'; topic: K; id?: string } & UnsubscribedOf<T[K]>)
    | TopicMessageOf<T[K]>;
}[keyof T & string];

export type ServerMessageOf<T extends TopicTable> =
  | { type: 'welcome'; version: string; format: StreamFormat; topics: string[] }
  | { type: 'pong'; id?: string }
  | ({ type: 'error'; id?: string } & ErrorBody)
  | TopicServerMessageOf<T>;
export type ServerMessage = ServerMessageOf<Topics>;

const idSchema = z.string().max(64);
const envelopeSchema = z.object({
  type: z.enum(['subscribe', 'unsubscribe', 'ping']),
  topic: z.string().max(64).optional(),
  id: idSchema.optional(),
});
const pingSchema = z.strictObject({ type: z.literal('ping'), id: idSchema.optional() });

/** The `id` of a message, if it has a usable one: echoed even when the rest is refused. */
export function messageId(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id.slice(0, 64) : undefined;
}

/** Validates a client message against a topic table; throws an `invalid_request` ApiError. */
export function parseClientMessage<T extends TopicTable>(raw: unknown, table: T, defaultTopic: keyof T & string): ClientMessageOf<T> {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw validationError(envelope.error);
  const { type, topic: named, id } = envelope.data;
  if (type === 'ping') {
    const ping = pingSchema.safeParse(raw);
    if (!ping.success) throw validationError(ping.error);
    return ping.data;
  }
  const name = named ?? defaultTopic;
  const declaration = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!declaration) {
    throw new ApiError('invalid_request', `topic: no topic "${name}"; topics are ${Object.keys(table).join(', ')}`, { field: 'topic' });
  }
  const { type: _t, topic: _n, id: _i, ...fields } = raw as Record<string, unknown>;
  const selection = declaration.selection.safeParse(fields);
  if (!selection.success) throw validationError(selection.error);
  return { type, topic: name, ...(id === undefined ? {} : { id }), selection: selection.data } as ClientMessageOf<T>;
}
