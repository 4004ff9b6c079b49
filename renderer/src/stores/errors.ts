/** The agent's refusal as the interface shows it: its own sentence, and the field it names. */
import { ApiError } from '../../../shared/errors';

export interface ShownError {
  code: string;
  message: string;
  field?: string;
}

export function shownError(error: unknown): ShownError {
  if (error instanceof ApiError) return { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
  if (error instanceof TypeError) return { code: 'unavailable', message: 'The agent cannot be reached.' };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
