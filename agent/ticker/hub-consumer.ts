/** A receiver of ticks from the hub (a stream connection), as the hub keeps it. */
import type { StreamFormat } from '../../shared/contract/stream';
import { TickFrameWriter } from '../../shared/tick-frame';

export interface ConsumerSink {
  readonly format: StreamFormat;
  /**
   * Sends a message. Binary data is handed over: the sink calls `written` once the socket no
   * longer needs it, and the hub then builds a later frame in the same buffer.
   */
  send(data: Uint8Array | string, written?: () => void): void;
  /** Bytes accepted by `send` but not yet written to the network. */
  bufferedAmount(): number;
}

export type ConsumerHandle = { readonly id: number };

export class Consumer implements ConsumerHandle {
  /** Subscribed to every instrument (it may have named some as well). */
  all = false;
  /** Instruments it named. */
  readonly tokens = new Set<number>();
  /** Builds its binary frames; undefined for a JSON consumer, which collects `jsonParts`. */
  readonly writer: TickFrameWriter | undefined;
  jsonParts: string[] = [];
  /** Waiting in the outbox for the end of the event-loop turn. */
  queued = false;
  /** Its socket backed up: it gets nothing until it drains (see ConsumerLag). */
  lagging = false;
  /** While lagging: the hub's tick counter when it started, and the ticks of named instruments it missed. */
  lagSeq = 0;
  lagTicks = 0;
  /** Ticks lost in lags that have ended. */
  conflatedTotal = 0;
  delivered = 0;
  /** Bytes handed to its socket, and the count when its send rate was last taken (see ConsumerLag). */
  sentBytes = 0;
  rateMark = 0;
  /** Unsent bytes past which it lags: what it receives in a moment, within the hub's bounds. */
  highWater: number;

  constructor(
    readonly id: number,
    readonly sink: ConsumerSink,
    allocate: (bytes: number) => Uint8Array,
    highWater: number,
  ) {
    this.writer = sink.format === 'binary' ? new TickFrameWriter({ allocate }) : undefined;
    this.highWater = highWater;
  }


  /** Ticks appended but not sent yet. */
  get pending(): number {
    return this.writer ? this.writer.count : this.jsonParts.length;
  }
}
