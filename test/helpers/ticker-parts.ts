/** Stand-ins for the ticker's neighbours, to test its parts without processes or sockets. */
import { InstrumentRegistry } from '../../agent/instruments/instrument-registry';
import { buildUniverse, listed } from '../../agent/market/sim/universe';
import { DesiredSubscriptions } from '../../agent/ticker/desired-subscriptions';
import type { TickHub } from '../../agent/ticker/tick-hub';
import type { ToWorker } from '../../agent/ticker/worker-protocol';
import type { WorkerPool } from '../../agent/ticker/worker-pool';
import type { WorkerState } from '../../shared/contract/api';
import { kiteFrame as kiteFrameOfTokens } from './kite-frame';
import type { TickMode } from '../../shared/tick';

export const registry = new InstrumentRegistry(buildUniverse().map(listed));

/** A hub that records what it is handed: per frame, the token and place of each packet. */
export class RecordingHub {
  readonly frames: Array<Array<{ token: number; offset: number; length: number }>> = [];
  open = false;
  forgotten: number[] = [];

  channel(token: number) {
    return { token };
  }

  forget(token: number): void {
    this.forgotten.push(token);
  }

  beginFrame(): void {
    this.open = true;
    this.frames.push([]);
  }

  tick(channel: { token: number }, offset: number, length: number): void {
    this.frames.at(-1)!.push({ token: channel.token, offset, length });
  }

  endFrame(): void {
    this.open = false;
  }

  asHub(): TickHub {
    return this as unknown as TickHub;
  }
}

/** A pool that records the messages sent to workers, with workers in the states given. */
export class RecordingPool {
  readonly sent: Array<{ worker: number; message: ToWorker }> = [];
  readonly states = new Map<number, WorkerState>();

  send(worker: number, message: ToWorker): void {
    this.sent.push({ worker, message });
  }

  sendGrouped(subs: Array<{ worker: number; mode: TickMode; instrument: { token: number } }>, build: (tokens: number[], mode: TickMode) => ToWorker): void {
    for (const sub of subs) this.send(sub.worker, build([sub.instrument.token], sub.mode));
  }

  get(id: number) {
    const state = this.states.get(id);
    return state ? { state } : undefined;
  }

  asPool(): WorkerPool {
    return this as unknown as WorkerPool;
  }
}

export function desiredWith(hub: RecordingHub, placements: Array<[instrument: string, worker: number, mode: TickMode]>): DesiredSubscriptions {
  const desired = new DesiredSubscriptions(registry, hub.asHub());
  for (const [instrument, to, mode] of placements) desired.place({ instrument, from: null, to }, mode);
  return desired;
}

/** A Kite frame holding a packet of each `[instrument, mode]`, in order. */
export function kiteFrame(...packets: Array<[instrument: string, mode: TickMode]>): Uint8Array {
  return kiteFrameOfTokens(...packets.map(([id, mode]) => [registry.get(id)!.token, mode] as [number, TickMode]));
}
