/**
 * The transport-free core of the stream: topic handlers provided by the services that own them,
 * and one session per connection that validates each client message against the topic table,
 * checks the caller's scope, and answers. The WebSocket adapter only moves bytes and JSON.
 */
import type { Principal } from '../../shared/contract/scopes';
import { permits } from '../../shared/contract/scopes';
import {
  type ClientMessageOf,
  messageId,
  parseClientMessage,
  type SelectionOf,
  type ServerMessageOf,
  type StreamFormat,
  type SubscribedOf,
  type TopicDeclaration,
  type TopicTable,
  type UnsubscribedOf,
} from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import { forbidden } from '../api/api-core';

/** One connection, as the core and the topics see it. */
export interface StreamPeer {
  readonly format: StreamFormat;
  /** Sends a JSON message (a reply, or a topic's message). */
  reply(message: { type: string; [field: string]: unknown }): void;
  /**
   * Sends prepared data (a binary tick frame, or JSON text). Binary data is handed over: the
   * peer calls `written` once the socket no longer needs it.
   */
  send(data: Uint8Array | string, written?: () => void): void;
  /** Bytes accepted but not yet written to the network. */
  bufferedAmount(): number;
}

type Maybe<T> = T | Promise<T>;

/** One topic on one connection, opened at its first subscribe. */
export interface TopicSession<D extends TopicDeclaration> {
  subscribe(selection: SelectionOf<D>): Maybe<SubscribedOf<D>>;
  unsubscribe(selection: SelectionOf<D>): Maybe<UnsubscribedOf<D>>;
  /** Ends everything the topic holds for the connection; may be called again, after a late subscribe. */
  close(): void;
}

export interface TopicHandler<D extends TopicDeclaration> {
  open(peer: StreamPeer, principal: Principal | undefined): TopicSession<D>;
}

export type TopicHandlersOf<T extends TopicTable> = { [K in keyof T]: TopicHandler<T[K]> };

export interface StreamCoreOptions<T extends TopicTable> {
  table: T;
  defaultTopic: keyof T & string;
  version: string;
  /** Something a topic threw that is not an ApiError: a bug, for the log. */
  onInternalError?: (error: unknown) => void;
}

type AnySession = { subscribe(s: unknown): Maybe<unknown>; unsubscribe(s: unknown): Maybe<unknown>; close(): void };
type AnyHandler = { open(peer: StreamPeer, principal: Principal | undefined): AnySession };

export class StreamCore<T extends TopicTable> {
  private readonly handlers = new Map<string, AnyHandler>();

  constructor(readonly options: StreamCoreOptions<T>) {}

  get table(): T {
    return this.options.table;
  }

  provide(handlers: Partial<TopicHandlersOf<T>>): void {
    for (const [name, handler] of Object.entries(handlers) as Array<[string, AnyHandler | undefined]>) {
      if (handler === undefined) continue;
      if (!Object.hasOwn(this.table, name)) throw new Error(`${name} is not a topic of the contract`);
      if (this.handlers.has(name)) throw new Error(`topic ${name} has two handlers`);
      this.handlers.set(name, handler);
    }
  }

  /** Puts a wrapper around a topic's handler (the fleet routes `tasks` to members). */
  wrap<K extends keyof T & string>(name: K, wrapper: (handler: TopicHandler<T[K]>) => TopicHandler<T[K]>): void {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`topic ${name} has no handler to wrap`);
    this.handlers.set(name, wrapper(handler as unknown as TopicHandler<T[K]>) as unknown as AnyHandler);
  }

  requireComplete(): void {
    const missing = Object.keys(this.table).filter((name) => !this.handlers.has(name));
    if (missing.length > 0) throw new Error(`no handler for stream topic ${missing.join(', ')}`);
  }

  /** A new connection: greets it and returns its session. */
  open(peer: StreamPeer, principal: Principal | undefined): StreamSession<T> {
    const session = new StreamSession(this, this.handlers, peer, principal);
    peer.reply({ type: 'welcome', version: this.options.version, format: peer.format, topics: Object.keys(this.table) } satisfies ServerMessageOf<T>);
    return session;
  }
}

export class StreamSession<T extends TopicTable> {
  private readonly open = new Map<string, AnySession>();
  private closed = false;

  constructor(
    private readonly core: StreamCore<T>,
    private readonly handlers: Map<string, AnyHandler>,
    private readonly peer: StreamPeer,
    readonly principal: Principal | undefined,
  ) {}

  /** A client message, parsed from JSON but not yet validated. */
  receive(raw: unknown): void {
    const id = messageId(raw);
    let message: ClientMessageOf<T>;
    try {
      message = parseClientMessage(raw, this.core.table, this.core.options.defaultTopic);
    } catch (error) {
      return this.refuse(error, id);
    }
    if (message.type === 'ping') return this.answer({ type: 'pong', ...(id === undefined ? {} : { id }) });
    void this.handle(message as { type: 'subscribe' | 'unsubscribe'; topic: string; id?: string; selection: unknown }).catch((error: unknown) => this.refuse(error, id));
  }

  /** Answers a message the adapter could not read (not JSON, binary…). */
  refuse(error: unknown, id?: string): void {
    const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The agent failed to handle this message.');
    if (apiError.code === 'internal') this.core.options.onInternalError?.(error);
    this.answer({ type: 'error', ...(id === undefined ? {} : { id }), ...apiError.toBody() });
  }

  close(): void {
    this.closed = true;
    for (const session of this.open.values()) session.close();
    this.open.clear();
  }

  private async handle(message: { type: 'subscribe' | 'unsubscribe'; topic: string; id?: string; selection: unknown }): Promise<void> {
    const { topic, selection } = message;
    const declaration = this.core.table[topic]!;
    if (!permits(declaration.scope, this.principal, selection, declaration.taskParam)) throw forbidden(declaration.scope);
    let session = this.open.get(topic);
    if (!session) {
      const handler = this.handlers.get(topic);
      if (!handler) throw new ApiError('unavailable', `The ${topic} topic is not available on this agent.`);
      session = handler.open(this.peer, this.principal);
      this.open.set(topic, session);
    }
    const idField = message.id === undefined ? {} : { id: message.id };
    const result = message.type === 'subscribe' ? await session.subscribe(selection) : await session.unsubscribe(selection);
    // The connection went while an asynchronous topic was subscribing: undo what it just made.
    if (this.closed) return session.close();
    this.answer({ type: message.type === 'subscribe' ? 'subscribed' : 'unsubscribed', topic, ...idField, ...(result as object) });
  }

  private answer(message: { type: string; [field: string]: unknown }): void {
    if (!this.closed) this.peer.reply(message);
  }
}
