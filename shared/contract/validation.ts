/** Schema failures as API errors: the first problem, with the field at fault. */
import type { z } from 'zod';
import { ApiError } from '../errors';

export function validationError(error: z.ZodError, prefix = ''): ApiError {
  const issue = error.issues[0];
  // An unknown field is the field at fault, not the object holding it.
  const unknown = issue?.code === 'unrecognized_keys' ? [String(issue.keys[0])] : [];
  const path = issue ? [prefix, ...issue.path.map(String), ...unknown].filter((part) => part !== '') : [];
  const field = path.length > 0 ? path.join('.') : undefined;
  const message = issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'invalid request';
  return new ApiError('invalid_request', message, field === undefined ? {} : { field });
}

/** Parses `raw` with `schema`, or throws the `invalid_request` error naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
