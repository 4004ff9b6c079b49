/** Changes kept by key and sent together once a turn of the event loop: many changes, one message. */
export class TurnBatch<T> {
  private readonly items = new Map<string, T>();
  private scheduled = false;

  constructor(private readonly send: (items: T[]) => void) {}

  /** Keeps `item` (the latest of its key) for this turn's message. */
  add(key: string, item: T): void {
    this.items.set(key, item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.items.size === 0) return;
      const items = [...this.items.values()];
      this.items.clear();
      this.send(items);
    });
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  clear(): void {
    this.items.clear();
  }
}
