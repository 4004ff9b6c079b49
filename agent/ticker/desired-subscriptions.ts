/**
 * The ticker's desired state: which instruments are carried, in which mode, on which worker.
 * Placement decisions come from `splitter.ts`; this records them and answers lookups, by id for
 * the API and by token for routing.
 */
import type { Instrument } from '../../shared/instrument';
import { packetLength } from '../../shared/kite-packet';
import type { TickMode } from '../../shared/tick';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { Move } from './splitter';
import type { Channel, TickHub } from './tick-hub';

export interface Subscription {
  instrument: Instrument;
  mode: TickMode;
  /** Packet length of `mode`: packets of the previous mode, still in flight after a change, are dropped. */
  packetLength: number;
  worker: number;
  /** While moving: the worker still delivering until the new one ticks. */
  handoverFrom: number | null;
  /** When it was placed or last moved: a handover's start, and the age of a never-ticked instrument. */
  handoverSince: number;
  /** Ticks since the last rate update. */
  count: number;
  ticksPerSecond: number;
  lastTickAt: number;
  /** Where this instrument's ticks go in the hub. */
  channel: Channel;
}

export class DesiredSubscriptions {
  private readonly byId = new Map<string, Subscription>();
  private readonly tokens = new Map<number, Subscription>();

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly hub: TickHub,
  ) {}

  /** Subscriptions by token, for routing a worker's packets. */
  get byToken(): ReadonlyMap<number, Subscription> {
    return this.tokens;
  }

  get size(): number {
    return this.byId.size;
  }

  has(instrument: string): boolean {
    return this.byId.has(instrument);
  }

  get(instrument: string): Subscription | undefined {
    return this.byId.get(instrument);
  }

  values(): IterableIterator<Subscription> {
    return this.byId.values();
  }

  /** The instruments a worker is to carry (not counting those it is handing over). */
  onWorker(worker: number): Subscription[] {
    return [...this.byId.values()].filter((s) => s.worker === worker);
  }

  /** Instrument id → worker, as the splitter plans from. */
  assignment(): Map<string, number> {
    return new Map([...this.byId.values()].map((s) => [s.instrument.id, s.worker]));
  }

  /** Records a new subscription where `move` places it; the caller tells the worker. */
  place(move: Move, mode: TickMode): Subscription {
    const instrument = this.registry.get(move.instrument)!;
    const sub: Subscription = {
      instrument,
      mode,
      packetLength: packetLength(instrument.token, mode),
      worker: move.to,
      handoverFrom: null,
      handoverSince: Date.now(),
      count: 0,
      ticksPerSecond: 0,
      lastTickAt: 0,
      channel: this.hub.channel(instrument.token),
    };
    this.byId.set(instrument.id, sub);
    this.tokens.set(instrument.token, sub);
    return sub;
  }

  setMode(sub: Subscription, mode: TickMode): void {
    sub.mode = mode;
    sub.packetLength = packetLength(sub.instrument.token, mode);
  }

  /** Forgets a subscription and its latest tick; the caller tells the workers. */
  remove(sub: Subscription): void {
    this.byId.delete(sub.instrument.id);
    this.tokens.delete(sub.instrument.token);
    this.hub.forget(sub.instrument.token);
  }
}
