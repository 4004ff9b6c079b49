/** A typed client of the contract: `call('subscribe', {...})` for any transport-compatible fetch. */
import type { ErrorBody, ErrorCode } from '../errors';
import { ApiError, ERROR_STATUS } from '../errors';
import { api, type ApiInput, type ApiResult, type MethodName } from './api';

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; json(): Promise<unknown> }>;

export interface ApiClient {
  call<K extends MethodName>(name: K, input?: ApiInput<K>): Promise<ApiResult<K>>;
}

function queryString(input: Record<string, unknown>): string {
  const parts = Object.entries(input)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(Array.isArray(value) ? value.join(',') : String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export function createApiClient(baseUrl: string, token: string | undefined, fetchImpl: FetchLike): ApiClient {
  return {
    async call(name, input) {
      const declaration = api[name];
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const payload = (input ?? {}) as Record<string, unknown>;
      let url = baseUrl + declaration.path;
      let body: string | undefined;
      if (declaration.method === 'GET') url += queryString(payload);
      else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(payload);
      }
      const response = await fetchImpl(url, { method: declaration.method, headers, ...(body === undefined ? {} : { body }) });
      const json = await response.json();
      if (response.status >= 400) {
        const error = (json as Partial<ErrorBody>).error;
        const code = error && error.code in ERROR_STATUS ? (error.code as ErrorCode) : 'internal';
        throw new ApiError(code, error?.message ?? `HTTP ${response.status}`, {
          ...(error?.field === undefined ? {} : { field: error.field }),
          ...(error?.details === undefined ? {} : { details: error.details }),
        });
      }
      return json as ApiResult<typeof name>;
    },
  };
}
