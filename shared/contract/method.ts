/**
 * How a contract method is declared: verb, path (with `:name` parameters), who may call it,
 * the input schema and the result type. Path parameters are part of the input: the schema
 * validates them with everything else, and the client fills them into the path.
 */
import type { z } from 'zod';
import { ApiError } from '../errors';
import type { Principal, Scope } from './scopes';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A result type carried by a declaration, with no value at run time. */
export interface Returns<T> {
  readonly __result?: T;
}
export const returns = <T>(): Returns<T> => ({});
export type ResultOf<D> = D extends Returns<infer T> ? T : never;

/** The `:name` parameters of a path: `'/tasks/:id/logs/:n'` → `'id' | 'n'`. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export interface MethodDeclaration<P extends string = string, S extends z.ZodType = z.ZodType, R = unknown> extends Returns<R> {
  method: HttpVerb;
  path: P;
  scope: Scope;
  /** For `task` scope: the input field naming the task the call is about. */
  taskParam?: string;
  /** Path parameters, query (GET) or body fields, all validated together. */
  input: S;
  /** The HTTP status of a success (default 200; 201 for a method that creates something). */
  status?: 200 | 201;
  /**
   * `multipart`: the body is `multipart/form-data` (an upload): a `spec` part holding the JSON
   * fields, and a `file` part, given to the input as `file: { filename, data }`.
   */
  body?: 'json' | 'multipart';
}

/**
 * Declares a method; the compiler checks that the input schema has a field for every path
 * parameter.
 */
export function method<const P extends string, S extends z.ZodType<{ [K in PathParams<P>]: unknown }>, R>(
  declaration: { method: HttpVerb; path: P; scope: Scope; taskParam?: string; input: S; status?: 200 | 201; body?: 'json' | 'multipart' } & Returns<R>,
): MethodDeclaration<P, S, R> {
  return declaration;
}

export type MethodTable = Record<string, MethodDeclaration>;

/** What a caller passes (before defaults and coercion). */
export type InputOf<D extends MethodDeclaration> = z.input<D['input']>;
/** What a handler receives (validated, defaults applied). */
export type ParamsOf<D extends MethodDeclaration> = z.output<D['input']>;

/** Everything a handler knows about its call beyond the input. */
export interface CallContext {
  principal: Principal | undefined;
  /** The HTTP request's side, for the few methods about the caller's own browser session. */
  http?: { address: string; sessionCookie: string | undefined; secure: boolean };
}

/** A result with cookies to set on the caller's browser (the sign-in, the sign-out). */
export class WithCookies<T> {
  constructor(
    readonly body: T,
    readonly cookies: readonly string[],
  ) {}
}

/**
 * A result already written as JSON text (UTF-8): a large answer built without an object per
 * element. `T` is the shape the text holds, so a handler still answers its method's type.
 */
export class PreparedJson<T> {
  declare readonly __shape?: T;
  constructor(readonly body: Uint8Array) {}
}

/**
 * A result that is a page for a browser, not JSON: the one route a browser lands on from
 * outside (the broker's login redirect) answers with a short page saying what happened.
 */
export class HtmlPage {
  constructor(
    readonly status: number,
    readonly html: string,
  ) {}
}

type Answer<R> = R | PreparedJson<R> | WithCookies<R> | (R extends HtmlPage ? HtmlPage : never);

export type HandlersOf<T extends MethodTable> = {
  [K in keyof T]: (params: ParamsOf<T[K]>, context: CallContext) => Answer<ResultOf<T[K]>> | Promise<Answer<ResultOf<T[K]>>>;
};

/** A `:name` path parameter. */
const PATH_PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/** The parameter names of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(PATH_PARAM)].map((match) => match[1]!);
}

/**
 * Fills a path's parameters from `input`, percent-encoded; returns the path and the input
 * without them. A missing or empty parameter is an `invalid_request` naming it.
 */
export function fillPath(path: string, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const filled = path.replace(PATH_PARAM, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    if ((typeof value !== 'string' && typeof value !== 'number') || String(value) === '') {
      throw new ApiError('invalid_request', `${name}: required in the path`, { field: name });
    }
    // A URL parser collapses these segments, which would make the call another route.
    if (value === '.' || value === '..') throw new ApiError('invalid_request', `${name}: cannot be "${value}"`, { field: name });
    return encodeURIComponent(String(value));
  });
  return { path: filled, rest };
}

/** A matcher for request paths against a declared path: `/tasks/:id` matches `/tasks/abc`. */
export function pathPattern(path: string): RegExp {
  const escaped = path.split(/(:[A-Za-z_][A-Za-z0-9_]*)/).map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${escaped.join('')}$`);
}
