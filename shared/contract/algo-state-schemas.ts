/**
 * Validation of an algo's state: a persistent key-value map per algo, kept by the agent where
 * the algo runs. The algo is named as tasks are (a task's token reaches the algo of its name).
 */
import { z } from 'zod';
import { taskNameSchema } from './task-schemas';

/** A key's length, in characters. */
export const MAX_STATE_KEY_LENGTH = 128;
/** A value's size as JSON text, in UTF-8 bytes. */
export const MAX_STATE_VALUE_BYTES = 64 * 1024;
/** Keys an algo may hold (after a change). */
export const MAX_STATE_KEYS = 1000;

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\x00-\x1f\x7f]/;
const encoder = new TextEncoder();

/** The UTF-8 size of `text`, counted only when it might pass `limit`. */
function tooBig(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  return text.length * 3 > limit && encoder.encode(text).length > limit;
}

/** One change: a key and its new value, or null to delete it. */
export interface StateChange {
  key: string;
  /** The value as JSON text; null deletes the key. */
  json: string | null;
}

/**
 * `values` of a change: an object of keys to JSON values (null deletes), into a list of changes.
 * Checked by hand rather than as a record, so a key such as `__proto__` is a key like any other.
 */
const stateValuesSchema = z
  .custom<Record<string, unknown>>((values) => typeof values === 'object' && values !== null && !Array.isArray(values), 'an object of keys to values (null deletes a key)')
  .transform((values, ctx): StateChange[] => {
    const entries = Object.entries(values);
    if (entries.length > MAX_STATE_KEYS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_STATE_KEYS} keys per change` });
      return z.NEVER;
    }
    const changes: StateChange[] = [];
    for (const [key, value] of entries) {
      const problem =
        key.length === 0
          ? 'a key cannot be empty'
          : key.length > MAX_STATE_KEY_LENGTH
            ? `a key has at most ${MAX_STATE_KEY_LENGTH} characters`
            : CONTROL.test(key)
              ? 'a key has no control characters'
              : undefined;
      if (problem) {
        ctx.addIssue({ code: 'custom', path: [key], message: problem });
        return z.NEVER;
      }
      const json = value === null ? null : JSON.stringify(value);
      if (json === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'a JSON value (null deletes the key)' });
        return z.NEVER;
      }
      if (json !== null && tooBig(json, MAX_STATE_VALUE_BYTES)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `a value is at most ${MAX_STATE_VALUE_BYTES / 1024} KiB as JSON` });
        return z.NEVER;
      }
      changes.push({ key, json });
    }
    return changes;
  });

export const algoStateInput = z.strictObject({ algo: taskNameSchema });

/** `PUT /api/v1/algos/:algo/state`: `{"values":{"count":8,"old":null}}`. */
export const setAlgoStateInput = z.strictObject({ algo: taskNameSchema, values: stateValuesSchema });
