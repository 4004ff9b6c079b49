/**
 * What the emulated exchange lists today, and each listed instrument's price process. An
 * instrument keeps a slot for the life of the server (its index in the ticker's per-instrument
 * arrays); delisting empties the slot's listing but keeps its token, and a later listing with the
 * same token takes the slot over, as Kite reuses an expired contract's token for a new one.
 * Subscriptions are by token, so a connection still subscribed to the token then streams the
 * new contract.
 */
import { z } from 'zod';
import { isTradableToken, parseInstrumentId } from '../../../shared/instrument';
import { SIM_SESSION } from '../../../shared/market-session';
import type { PriceProcess } from './price-process';
import type { SimInstrument } from './universe';

/** A listed instrument: the universe's, or one listed later (a contract, with its expiry). */
export interface EmulatedInstrument extends SimInstrument {
  /** `yyyy-mm-dd`, or '' for instruments that do not expire. */
  expiry: string;
  strike: number;
}

/** Instruments that may be listed beyond the universe with tokens of their own. */
export const EXTRA_SLOTS = 64;

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** An instrument to list: what Kite's instruments CSV says of it, and how the market should move. */
export const listInstrumentSchema = z.strictObject({
  exchange: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, 'an exchange in capitals, like NFO'),
  tradingsymbol: z.string().min(1).max(50),
  token: z.number().int().min(1).max(0x7fffffff),
  name: z.string().max(100).default(''),
  /** Default: the exchange. */
  segment: z.string().min(1).max(20).optional(),
  instrumentType: z.string().min(1).max(10).default('EQ'),
  tickSize: z.number().positive().max(1_000_000).default(0.05),
  lotSize: z.number().int().min(0).max(10_000_000).default(1),
  expiry: z.union([z.literal(''), z.string().regex(DATE)], 'a date, yyyy-mm-dd, or empty').default(''),
  strike: z.number().min(0).max(1e9).default(0),
  basePrice: z.number().positive().max(1e9).default(100),
  annualVolatility: z.number().positive().max(5).default(0.25),
  dailyVolume: z.number().int().min(0).max(1e12).default(1_000_000),
});
export type ListInstrumentInput = z.input<typeof listInstrumentSchema>;

function toEmulated(instrument: SimInstrument): EmulatedInstrument {
  return { expiry: '', strike: 0, ...instrument };
}

export class InstrumentListing {
  /** Slots the ticker must size its arrays for. */
  readonly capacity: number;
  /**
   * Per slot: the market, and 1 while listed. The same arrays for the life of the listing, so
   * the ticker's hot path holds them instead of calling through the listing.
   */
  readonly processes: readonly PriceProcess[];
  readonly listedFlags: Uint8Array;
  private readonly instruments: EmulatedInstrument[] = [];
  private readonly writableProcesses: PriceProcess[] = [];
  /** Every token ever listed, delisted ones too (their slot is reused with the token). */
  private readonly slotOfToken = new Map<number, number>();
  /** Listed instruments only. */
  private readonly slotOfId = new Map<string, number>();

  constructor(
    universe: readonly SimInstrument[],
    /** `initial`: the instrument is part of the universe the server started with. */
    private readonly makeProcess: (instrument: SimInstrument, initial: boolean) => PriceProcess,
    extraSlots = EXTRA_SLOTS,
  ) {
    this.capacity = universe.length + extraSlots;
    this.processes = this.writableProcesses;
    this.listedFlags = new Uint8Array(this.capacity);
    for (const instrument of universe) this.place(this.instruments.length, toEmulated(instrument), true);
  }

  /** Slots in use, listed or not: slot numbers run from 0 below it. */
  get size(): number {
    return this.instruments.length;
  }

  isListed(slot: number): boolean {
    return this.listedFlags[slot] === 1;
  }

  /** The slot of a listed instrument with this token. */
  slotOfListedToken(token: number): number | undefined {
    const slot = this.slotOfToken.get(token);
    return slot !== undefined && this.listedFlags[slot] === 1 ? slot : undefined;
  }

  /** The slot of the token, listed or delisted since. */
  slotOfAnyToken(token: number): number | undefined {
    return this.slotOfToken.get(token);
  }

  /** The slot of the listed instrument `EXCHANGE:TRADINGSYMBOL`. */
  slotOfListedId(id: string): number | undefined {
    return this.slotOfId.get(id);
  }

  instrument(slot: number): EmulatedInstrument {
    return this.instruments[slot]!;
  }

  process(slot: number): PriceProcess {
    return this.writableProcesses[slot]!;
  }

  /** The listed instruments, in slot order. */
  listed(): EmulatedInstrument[] {
    return this.instruments.filter((_, slot) => this.listedFlags[slot] === 1);
  }

  /** Delists the instruments named by id; returns the ids that were listed. Unknown ids are ignored. */
  delist(ids: readonly string[]): string[] {
    const done: string[] = [];
    for (const id of ids) {
      const slot = this.slotOfId.get(id);
      if (slot === undefined) continue;
      this.listedFlags[slot] = 0;
      this.slotOfId.delete(id);
      done.push(id);
    }
    return done;
  }

  /** Lists an instrument (validated here: this is a boundary); throws RangeError on a clash or a full table. */
  list(input: ListInstrumentInput): { slot: number; instrument: EmulatedInstrument } {
    const parsed = listInstrumentSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RangeError(`instrument${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
    }
    const { exchange, tradingsymbol, token, segment, ...rest } = parsed.data;
    const id = `${exchange}:${tradingsymbol}`;
    if (!parseInstrumentId(id)) throw new RangeError(`instrument: ${JSON.stringify(id)} is not an instrument id`);
    if (this.slotOfId.has(id)) throw new RangeError(`instrument: ${id} is already listed`);
    const reused = this.slotOfToken.get(token);
    if (reused !== undefined && this.listedFlags[reused] === 1) {
      throw new RangeError(`instrument: token ${token} is listed as ${this.instruments[reused]!.id}; delist it first`);
    }
    if (reused === undefined && this.instruments.length >= this.capacity) {
      throw new RangeError(`instrument: the table holds ${this.capacity} tokens; reuse a delisted token`);
    }
    const instrument: EmulatedInstrument = {
      ...rest,
      id,
      token,
      exchange,
      tradingsymbol,
      segment: segment ?? exchange,
      tradable: isTradableToken(token),
      session: SIM_SESSION,
    };
    const slot = reused ?? this.instruments.length;
    this.place(slot, instrument, false);
    return { slot, instrument };
  }

  private place(slot: number, instrument: EmulatedInstrument, initial: boolean): void {
    this.instruments[slot] = instrument;
    this.writableProcesses[slot] = this.makeProcess(instrument, initial);
    this.listedFlags[slot] = 1;
    this.slotOfToken.set(instrument.token, slot);
    this.slotOfId.set(instrument.id, slot);
  }
}
