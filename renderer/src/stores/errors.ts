/** The agent's refusal as the interface shows it: its own sentence, the field it names, and the risk rule that refused an order. */
import { ApiError } from '../../../shared/errors';

export interface ShownError {
  code: string;
  message: string;
  field?: string;
  /** For `risk_rejected`: the rule that refused the order (`max_order_quantity`, `halted`…). */
  rule?: string;
}

export function shownError(error: unknown): ShownError {
  if (error instanceof ApiError) {
    const rule = error.code === 'risk_rejected' ? (error.details as { rule?: unknown } | undefined)?.rule : undefined;
    return { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }), ...(typeof rule === 'string' ? { rule } : {}) };
  }
  if (error instanceof TypeError) return { code: 'unavailable', message: 'The agent cannot be reached.' };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
