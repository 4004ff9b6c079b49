/**
 * Kite's errors as AlgoDeck's: the official client rejects with Kite's error body
 * (`{message, error_type}`), with a NetworkException it made itself (no answer, or a body that
 * was not Kite's), or with a plain Error. Each becomes an ApiError whose code says what the
 * user can do about it; Kite's own message is kept, since it names what Kite disliked.
 */
import { ApiError, type ErrorCode } from '../../../shared/errors';

export interface KiteFailure {
  /** Kite's `error_type` (`TokenException`, `InputException`, …), or `Error` for a local failure. */
  type: string;
  message: string;
}

/** What a rejection of the official client says, whatever its shape. */
export function kiteFailure(error: unknown): KiteFailure {
  if (typeof error === 'object' && error !== null) {
    const { message, error_type: type } = error as { message?: unknown; error_type?: unknown };
    if (typeof type === 'string' && typeof message === 'string') return { type, message };
    if (error instanceof Error) return { type: 'Error', message: error.message };
  }
  return { type: 'Error', message: String(error) };
}

/** Kite answered 429: the request may be sent again after a pause. */
export function isRateLimited(failure: KiteFailure): boolean {
  return failure.type === 'NetworkException' && /too many requests/i.test(failure.message);
}

/** The access token is no longer accepted (expired at the day's end, or revoked by a logout elsewhere). */
export function isTokenRejected(failure: KiteFailure): boolean {
  return failure.type === 'TokenException';
}

const CODES: Record<string, ErrorCode> = {
  TokenException: 'broker_login_required',
  InputException: 'broker_rejected',
  PermissionException: 'broker_rejected',
  OrderException: 'broker_rejected',
  MarginException: 'broker_rejected',
  HoldingException: 'broker_rejected',
  UserException: 'broker_rejected',
  NetworkException: 'provider_unavailable',
  DataException: 'provider_unavailable',
  GeneralException: 'provider_unavailable',
};

/** `what` names the call, as a user would: "Kite's instruments list", "the quote of NSE:INFY". */
export function toApiError(failure: KiteFailure, what: string): ApiError {
  if (isRateLimited(failure)) {
    return new ApiError('broker_rate_limited', `Kite refused ${what}: too many requests. Try again in a few seconds.`, {
      details: { kiteError: failure.type },
    });
  }
  const code = CODES[failure.type] ?? 'provider_unavailable';
  const advice =
    code === 'broker_login_required'
      ? ' Log in to Kite again (the access token expires every morning).'
      : code === 'provider_unavailable'
        ? ' Kite may be down or unreachable; try again shortly.'
        : '';
  return new ApiError(code, `Kite refused ${what}: ${failure.message}.${advice}`.replace('..', '.'), { details: { kiteError: failure.type } });
}
