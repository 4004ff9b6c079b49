/** The algo's persistent key-value state, kept by the agent where it runs (`/api/v1/algos/:algo/state`). */
import type { Rest } from './rest';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export class AlgoState {
  constructor(
    private readonly rest: Rest,
    private readonly algo: string,
  ) {}

  /** The value of `key`, or undefined when it has none. */
  async get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined> {
    const values = await this.all();
    return Object.hasOwn(values, key) ? (values[key] as T) : undefined;
  }

  /** Sets `key` (a `null` value deletes it); answers every value after the change. */
  async set(key: string, value: JsonValue): Promise<Record<string, JsonValue>> {
    return this.change({ [key]: value });
  }

  /** Deletes `key` (nothing happens when it has no value); answers every value after the change. */
  async delete(key: string): Promise<Record<string, JsonValue>> {
    return this.change({ [key]: null });
  }

  /** Every key and value of this algo. */
  async all(): Promise<Record<string, JsonValue>> {
    return (await this.rest.call('getAlgoState', { algo: this.algo })).values as Record<string, JsonValue>;
  }

  /** Several keys in one transaction (`null` deletes one): all of them change, or none. */
  async change(values: Record<string, JsonValue>): Promise<Record<string, JsonValue>> {
    return (await this.rest.call('setAlgoState', { algo: this.algo, values })).values as Record<string, JsonValue>;
  }
}
