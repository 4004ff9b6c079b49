/**
 * REST for the SDK: the project's typed client over a fetch that waits out an agent that is
 * restarting (connection refused: nothing reached it, so a resend is safe), for up to 30 s. An
 * order is resent only with its clientOrderId, which makes the resend the same order.
 */
import { createApiClient, type ApiClient, type FetchLike } from '../../../shared/contract/client';
import type { ApiInput, ApiResult, MethodName } from '../../../shared/contract/api';
import { AlgoDeckError, sdkError } from './errors';

export interface RestOptions {
  url: string;
  token: string;
  /** How long a refused connection is retried (default 30 s). */
  retryMs?: number;
  /** Set when the SDK closes: no more waiting. */
  closed?: () => boolean;
}

const ORDERS_PATH = /\/api\/v1\/orders\/?(\?|$)/;

/** Whether a request may be sent again after the connection was refused. */
export function mayResend(url: string, init: { method: string; body?: string }): boolean {
  if (init.method !== 'POST' || !ORDERS_PATH.test(new URL(url).pathname)) return true;
  try {
    const body = JSON.parse(init.body ?? '{}') as { clientOrderId?: unknown };
    return typeof body.clientOrderId === 'string';
  } catch {
    return false;
  }
}

/** Whether a fetch failed because the agent refused the connection (nothing was sent). */
export function connectionRefused(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const c = cause as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (c.code === 'ECONNREFUSED') return true;
    if (Array.isArray(c.errors) && c.errors.some((e) => (e as { code?: unknown } | null)?.code === 'ECONNREFUSED')) return true;
    cause = c.cause;
  }
  return false;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function retryingFetch(options: RestOptions): FetchLike {
  const retryMs = options.retryMs ?? 30_000;
  return async (url, init) => {
    const deadline = Date.now() + retryMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await fetch(url, init);
      } catch (error) {
        const wait = Math.min(delay, deadline - Date.now());
        if (!connectionRefused(error) || !mayResend(url, init) || wait <= 0 || options.closed?.()) {
          const why = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
          throw new AlgoDeckError('unavailable', `Cannot reach the agent at ${options.url}: ${why}`, { status: 0, cause: error });
        }
        await sleep(wait);
      }
    }
  };
}

/** The SDK's REST calls: typed by the contract, errors as AlgoDeckError / RiskRejectedError. */
export class Rest {
  readonly client: ApiClient;
  readonly fetch: FetchLike;
  private closed = false;

  constructor(options: RestOptions) {
    this.fetch = retryingFetch({ ...options, closed: () => this.closed || (options.closed?.() ?? false) });
    this.client = createApiClient(options.url.replace(/\/+$/, ''), options.token, this.fetch);
  }

  /** Stops waiting for a refusing agent. */
  close(): void {
    this.closed = true;
  }

  async call<K extends MethodName>(name: K, input?: ApiInput<K>): Promise<ApiResult<K>> {
    try {
      return await this.client.call(name, input);
    } catch (error) {
      throw sdkError(error);
    }
  }
}
