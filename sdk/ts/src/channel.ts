/**
 * A queue read as an async iterator: the stream pushes, the algo's `for await` pulls. Ending
 * (the algo breaks out, or the SDK closes) runs the channel's cleanup once. What waits is kept by
 * a `Buffer`: first in, first out by default; ticks use `LatestTicks`, which bounds it.
 */
/** An iterator of live data: `for await` it; `return()` (or `break`) ends it and its subscription. */
export interface LiveIterator<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T>>;
}

/** What a channel keeps while its reader is busy. */
export interface Buffer<T> {
  readonly size: number;
  add(item: T): void;
  /** The next item; only called when `size > 0`. */
  take(): T;
  clear(): void;
}

/** First in, first out, each step O(1) (an array read from a moving head, compacted as it goes). */
export class Fifo<T> implements Buffer<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  add(item: T): void {
    this.items.push(item);
  }

  take(): T {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class Channel<T> implements LiveIterator<T> {
  private readonly waiting: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }> = [];
  private failure: unknown = undefined;
  private done = false;
  private readonly cleanups: Array<() => void | Promise<void>> = [];

  constructor(private readonly items: Buffer<T> = new Fifo<T>()) {}

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
    else this.items.add(item);
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
    if (error === undefined) this.items.clear();
    for (const cleanup of this.cleanups.splice(0)) void Promise.resolve(cleanup()).catch(() => undefined);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.size > 0) return Promise.resolve({ value: this.items.take(), done: false });
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
    this.items.clear();
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
