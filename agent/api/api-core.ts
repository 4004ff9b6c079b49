/**
 * The transport-free core of the API: the handlers of a contract table, provided by the
 * services that own them, and one `call` that validates the input, checks the caller's scope
 * and runs the handler. The REST adapter, tests and (later) other transports all call this.
 */
import type { CallContext, HandlersOf, MethodTable, ParamsOf } from '../../shared/contract/method';
import { type Principal, permits } from '../../shared/contract/scopes';
import { parseInput } from '../../shared/contract/validation';
import { ApiError } from '../../shared/errors';

type AnyHandler = (params: unknown, context: CallContext) => unknown;

/** Who a call came through besides its principal: a hub routing it to this member. */
export interface CallOrigin {
  via?: string;
  address?: string | null;
}

/** A finished call, for the audit log. */
export interface CallRecord {
  name: string;
  principal: Principal | undefined;
  origin: CallOrigin;
  /** The input as received (not yet validated). */
  input: unknown;
  error: ApiError | undefined;
  durationMs: number;
}

export class ApiCore<T extends MethodTable> {
  private readonly handlers = new Map<keyof T & string, AnyHandler>();
  private readonly observers = new Set<(record: CallRecord) => void>();

  constructor(readonly table: T) {}

  /** Adds the handlers a service owns; a method has exactly one owner. */
  provide(handlers: Partial<HandlersOf<T>>): void {
    for (const [name, handler] of Object.entries(handlers) as Array<[keyof T & string, AnyHandler | undefined]>) {
      if (handler === undefined) continue;
      if (!Object.hasOwn(this.table, name)) throw new Error(`${name} is not a method of the contract`);
      if (this.handlers.has(name)) throw new Error(`${name} has two handlers`);
      this.handlers.set(name, handler);
    }
  }

  /** Methods of the table that no service handles. */
  missing(): string[] {
    return Object.keys(this.table).filter((name) => !this.handlers.has(name));
  }

  /** Throws unless every method has a handler: a gap is a wiring bug, found at start. */
  requireComplete(): void {
    const missing = this.missing();
    if (missing.length > 0) throw new Error(`no handler for ${missing.join(', ')}`);
  }

  /** Whether `principal` could call `name` at all (before its input is known). */
  mayCall(name: keyof T & string, principal: Principal | undefined): boolean {
    return permits(this.table[name]!.scope, principal);
  }

  /** Hears of every call once it has ended (the audit log). */
  observe(observer: (record: CallRecord) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  has(name: string): name is keyof T & string {
    return Object.hasOwn(this.table, name);
  }

  async call<K extends keyof T & string>(name: K, raw: unknown, principal: Principal | undefined, http?: CallContext['http'], origin: CallOrigin = {}): Promise<unknown> {
    if (this.observers.size === 0) return this.run(name, raw, principal, http);
    const started = performance.now();
    let error: ApiError | undefined;
    try {
      return await this.run(name, raw, principal, http);
    } catch (thrown) {
      error = thrown instanceof ApiError ? thrown : new ApiError('internal', 'The agent failed to handle this request; see its log.');
      throw thrown;
    } finally {
      const record: CallRecord = { name, principal, origin: { address: http?.address ?? null, ...origin }, input: raw, error, durationMs: performance.now() - started };
      for (const observer of this.observers) observer(record);
    }
  }

  private async run<K extends keyof T & string>(name: K, raw: unknown, principal: Principal | undefined, http?: CallContext['http']): Promise<unknown> {
    const declaration = this.table[name]!;
    if (declaration.scope !== 'public' && principal === undefined) {
      throw new ApiError('unauthorized', 'Missing or wrong token: send "Authorization: Bearer <token>".');
    }
    if (!permits(declaration.scope, principal)) throw forbidden(declaration.scope);
    const params = parseInput(declaration.input, raw) as ParamsOf<T[K]>;
    if (!permits(declaration.scope, principal, params, declaration.taskParam)) {
      throw new ApiError('forbidden', 'A task token may act only on its own task.', { ...(declaration.taskParam ? { field: declaration.taskParam } : {}) });
    }
    const handler = this.handlers.get(name);
    if (!handler) throw new ApiError('unavailable', `${name} is not available on this agent.`);
    return handler(params, http ? { principal, http } : { principal });
  }
}

export function forbidden(scope: string): ApiError {
  return new ApiError('forbidden', `This token may not do that (it needs the "${scope}" scope).`);
}
