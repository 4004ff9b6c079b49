/** Stable error codes of the API; clients branch on these, never on messages. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  unknown_instrument: 400,
  range_too_long: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  conflict: 409,
  broker_not_configured: 409,
  broker_login_required: 409,
  broker_login_failed: 400,
  broker_rejected: 422,
  broker_rate_limited: 429,
  too_many_attempts: 429,
  capacity_exceeded: 422,
  risk_rejected: 422,
  no_history: 422,
  unavailable: 503,
  agent_offline: 503,
  /** A fleet member could not reach its hub (where orders are checked and placed). */
  hub_unreachable: 503,
  /** The request went out, but no answer came back: it may or may not have been done (resend an order with its clientOrderId). */
  outcome_unknown: 503,
  /** Done at the fleet's hub only (risk limits, the kill switch), not on a member. */
  hub_only: 409,
  provider_unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; details?: unknown };
}

/** An error a user can read: a stable code, a sentence, and the field at fault. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { field?: string; details?: unknown } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}
