/**
 * A queue read as an async iterator: the stream pushes, the algo's `for await` pulls. Ending
 * (the algo breaks out, or the SDK closes) runs the channel's cleanup once.
 */
/** An iterator of live data: `for await` it; `return()` (or `break`) ends it and its subscription. */
export interface LiveIterator<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T>>;
}

export class Channel<T> implements LiveIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }> = [];
  private failure: unknown = undefined;
  private done = false;
  private readonly cleanups: Array<() => void | Promise<void>> = [];

  /** Runs when the channel ends, whoever ends it. */
  onEnd(cleanup: () => void | Promise<void>): void {
    if (this.done) void cleanup();
    else this.cleanups.push(cleanup);
  }

  get ended(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    const reader = this.waiting.shift();
    if (reader) reader.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** Ends the channel; with an error, the reader gets it after what was queued. */
  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    for (const reader of this.waiting.splice(0)) {
      if (error === undefined) reader.resolve({ value: undefined, done: true });
      else reader.reject(error);
    }
    if (error === undefined) this.items.length = 0;
    for (const cleanup of this.cleanups.splice(0)) void Promise.resolve(cleanup()).catch(() => undefined);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.done) {
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.failure = undefined;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
