/** One instrument in the hub: where its latest packet is, and the consumers that named it. */
import { decodePacket } from '../../shared/kite-packet';
import type { Tick } from '../../shared/tick';
import type { Consumer } from './hub-consumer';
import type { LatestPacket } from './latest-store';

export const NO_BYTES = new Uint8Array(0);

export class Channel implements LatestPacket {
  /** Consumers that named this instrument (consumers of everything are kept apart). */
  readonly listeners: Consumer[] = [];
  /** The latest packet: `length` bytes at `at` in `space`, kept by the hub's LatestStore. */
  space: Uint8Array = NO_BYTES;
  at = 0;
  /** 0 before the first tick. */
  length = 0;
  receivedAt = 0;
  /** The hub's tick counter when this instrument last ticked. */
  seq = 0;
  /** The latest tick as JSON, made for the first JSON consumer that needs it and shared. */
  json: string | undefined;
  /** A publisher (the ticker) holds this channel; it is never dropped while held. */
  held = false;

  constructor(readonly token: number) {}

  /** Forgets the latest packet (the ticker stopped carrying the instrument). */
  clear(): void {
    this.space = NO_BYTES;
    this.length = 0;
    this.json = undefined;
  }

  /** The latest tick, decoded; call only once it has ticked (`length > 0`). */
  decode(nameOf: (token: number) => string): Tick {
    const { space, at, length } = this;
    return decodePacket(new DataView(space.buffer, space.byteOffset + at, length), 0, length, nameOf(this.token), this.receivedAt);
  }

  toJson(nameOf: (token: number) => string): string {
    this.json ??= JSON.stringify(this.decode(nameOf));
    return this.json;
  }
}
