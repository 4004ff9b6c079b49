/**
 * In-process services that need every tick (a candle aggregator, a paper broker, mark-to-market)
 * observe the hub: each accepted packet is shown to every observer as the hub routes it, in the
 * order the hub receives them, in place where the hub's LatestStore copied it. Nothing is decoded
 * or allocated per tick; observers read the fields they need with the readers of
 * shared/kite-packet.ts (`readPacketPrice`, `readPacketVolume`, …).
 *
 * An observer that throws is removed at once and reported. It missed a tick, so what it holds (a
 * candle without that trade) can no longer be trusted; left in place it would throw, and be
 * reported, at the tick rate. Its owner can rebuild its state and observe again.
 */

export interface TickObserver {
  /**
   * One accepted packet of instrument `token`: `length` bytes at `offset` in `view` (the length
   * says what it carries: `PACKET_FULL`, …), received by a worker at `receivedAt` (epoch ms).
   * The bytes are valid only during the call: copy what you keep. Do not publish to the hub here.
   */
  tick(token: number, view: DataView, offset: number, length: number, receivedAt: number): void;
}

/** Told of an observer that threw (and was removed); it must not throw itself. */
export type ObserverErrorHandler = (error: unknown, observer: TickObserver) => void;

export class TickObservers {
  /** Replaced, never changed in place, so observers may come and go during a call. */
  list: readonly TickObserver[] = [];
  /** Observers removed because they threw. */
  failed = 0;
  /** Each observer's current registration, so a stale removal cannot remove a later one. */
  private readonly registrations = new Map<TickObserver, object>();

  constructor(private readonly onError: ObserverErrorHandler) {}

  /** Adds an observer and returns its removal (which does nothing once it is removed). */
  add(observer: TickObserver): () => void {
    if (this.registrations.has(observer)) throw new Error('this observer already observes the hub');
    const registration = {};
    this.registrations.set(observer, registration);
    this.list = [...this.list, observer];
    return () => {
      if (this.registrations.get(observer) === registration) this.remove(observer);
    };
  }

  /** Shows a packet to every observer (the hub calls this only when there is one). */
  notify(token: number, view: DataView, offset: number, length: number, receivedAt: number): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const observer = list[i]!;
      try {
        observer.tick(token, view, offset, length, receivedAt);
      } catch (error) {
        this.remove(observer);
        this.failed++;
        this.onError(error, observer);
      }
    }
  }

  clear(): void {
    this.registrations.clear();
    this.list = [];
  }

  private remove(observer: TickObserver): void {
    this.registrations.delete(observer);
    this.list = this.list.filter((o) => o !== observer);
  }
}
