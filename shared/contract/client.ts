/**
 * A typed client of a contract table: `call('subscribe', {...})` over any fetch. Path
 * parameters are filled from the input; the rest goes in the query (GET) or a JSON body.
 */
import { ApiError, ERROR_STATUS, type ErrorBody, type ErrorCode } from '../errors';
import { API_PREFIX, api, type Api } from './api';
import { fillPath, type InputOf, type MethodTable, type ResultOf } from './method';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; json(): Promise<unknown> }>;

export interface ApiClientOf<T extends MethodTable> {
  call<K extends keyof T & string>(name: K, input?: InputOf<T[K]>): Promise<ResultOf<T[K]>>;
}
export type ApiClient = ApiClientOf<Api>;

function queryString(input: Record<string, unknown>): string {
  const parts = Object.entries(input)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(Array.isArray(value) ? value.join(',') : String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** The error a reply carries, as the ApiError the server threw. */
export function errorOfReply(status: number, json: unknown): ApiError {
  const error = (json as Partial<ErrorBody> | null)?.error;
  const code = error && typeof error.code === 'string' && Object.hasOwn(ERROR_STATUS, error.code) ? (error.code as ErrorCode) : 'internal';
  return new ApiError(code, error?.message ?? `HTTP ${status}`, {
    ...(error?.field === undefined ? {} : { field: error.field }),
    ...(error?.details === undefined ? {} : { details: error.details }),
  });
}

/** `/api/v1/tasks` → `/api/v1/agents/<agent>/tasks`: the same method, run on agent `agent` of the hub's fleet. */
export function routedPath(path: string, agent: string): string {
  return `${API_PREFIX}/agents/${encodeURIComponent(agent)}${path.slice(API_PREFIX.length)}`;
}

export function createClientOf<T extends MethodTable>(table: T, baseUrl: string, token: string | undefined, fetchImpl: FetchLike, agent?: string): ApiClientOf<T> {
  return {
    async call(name, input) {
      const declaration = table[name]!;
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const { path, rest } = fillPath(declaration.path, (input ?? {}) as Record<string, unknown>);
      let url = baseUrl + (agent === undefined ? path : routedPath(path, agent));
      let body: string | undefined;
      if (declaration.method === 'GET') url += queryString(rest);
      else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(rest);
      }
      const response = await fetchImpl(url, { method: declaration.method, headers, ...(body === undefined ? {} : { body }) });
      const json = await response.json();
      if (response.status >= 400) throw errorOfReply(response.status, json);
      return json as ResultOf<T[typeof name]>;
    },
  };
}

/** A client of the agent at `baseUrl`, or (with `agent`) of that agent of its fleet, through it. */
export function createApiClient(baseUrl: string, token: string | undefined, fetchImpl: FetchLike, agent?: string): ApiClient {
  return createClientOf(api, baseUrl, token, fetchImpl, agent);
}
