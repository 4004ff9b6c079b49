/** The SDK's errors: what the agent refused (its stable code, the field at fault), and the risk manager's refusals. */
import { ApiError, ERROR_STATUS, type ErrorCode } from '../../../shared/errors';
import type { Order } from '../../../shared/order';
import type { RiskRule } from '../../../shared/risk';

/** An error of the agent or of the way to it: `code` is stable (branch on it), `status` the HTTP status (0: no answer). */
export class AlgoDeckError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { field?: string; status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AlgoDeckError';
    this.code = code;
    this.field = options.field;
    this.status = options.status ?? ERROR_STATUS[code];
    this.details = options.details;
  }
}

/** The central risk manager refused an order: the rule, its sentence, the figures it compared and the order as kept (rejected). */
export class RiskRejectedError extends AlgoDeckError {
  readonly rule: RiskRule;
  readonly limit: number | undefined;
  readonly value: number | undefined;
  readonly order: Order | undefined;

  constructor(message: string, details: { rule: RiskRule; limit?: number; value?: number; order?: Order }) {
    super('risk_rejected', message, { details });
    this.name = 'RiskRejectedError';
    this.rule = details.rule;
    this.limit = details.limit;
    this.value = details.value;
    this.order = details.order;
  }
}

/** Any error of a call, as the SDK's own. */
export function sdkError(error: unknown): Error {
  if (error instanceof AlgoDeckError) return error;
  if (error instanceof ApiError) {
    if (error.code === 'risk_rejected') {
      const details = (error.details ?? {}) as { rule?: RiskRule; limit?: number; value?: number; order?: Order };
      return new RiskRejectedError(error.message, { rule: details.rule ?? ('unknown' as RiskRule), ...pick(details) });
    }
    return new AlgoDeckError(error.code, error.message, {
      ...(error.field === undefined ? {} : { field: error.field }),
      ...(error.details === undefined ? {} : { details: error.details }),
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function pick(details: { limit?: number; value?: number; order?: Order }): { limit?: number; value?: number; order?: Order } {
  return {
    ...(typeof details.limit === 'number' ? { limit: details.limit } : {}),
    ...(typeof details.value === 'number' ? { value: details.value } : {}),
    ...(details.order === undefined ? {} : { order: details.order }),
  };
}
