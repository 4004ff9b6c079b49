/** The `ticks` topic: a connection's choice of instruments, fed by the tick hub. */
import type { Logger } from 'pino';
import { type Principal, permits } from '../../shared/contract/scopes';
import type { Topics } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import type { TickMode } from '../../shared/tick';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { TickHub } from '../ticker/tick-hub';
import type { TopicHandler } from './stream-core';

export interface TicksTopicDeps {
  hub: TickHub;
  registry: InstrumentRegistry;
  /** Whether the ticker carries an instrument (clients are told which of theirs it does not). */
  isTicking: (instrument: string) => boolean;
  /** Has the ticker carry those of `instruments` it does not, in `mode` (as many as fit). */
  carry: (instruments: readonly string[], mode: TickMode) => void;
  log: Logger;
}

/** Refuses `carry` to a principal that may not change what the ticker carries for an algo (a viewer). */
export function requireCarry(principal: Principal | undefined): void {
  if (!permits('task', principal)) throw new ApiError('forbidden', 'This token may not have the ticker carry instruments (it needs the "task" scope).', { field: 'carry' });
}

export function ticksTopic({ hub, registry, isTicking, carry, log }: TicksTopicDeps): TopicHandler<Topics['ticks']> {
  return {
    open(peer, principal) {
      const consumer = hub.addConsumer({ format: peer.format, send: peer.send, bufferedAmount: peer.bufferedAmount });
      return {
        subscribe(selection) {
          if (selection.all) {
            hub.subscribe(consumer, 'all');
            // Every instrument may appear later, so a binary client gets every token it could meet.
            const tokens = Object.fromEntries(registry.search(undefined, registry.size).map((i) => [i.id, i.token]));
            return { instruments: 'all', tokens, inactive: [] };
          }
          if (selection.carry) requireCarry(principal);
          const ids = [...new Set(selection.instruments!)];
          registry.requireKnown(ids);
          const tokens = ids.map((id) => registry.get(id)!.token);
          hub.subscribe(consumer, tokens);
          if (selection.carry) carry(ids, selection.mode ?? 'quote');
          return {
            instruments: ids,
            tokens: Object.fromEntries(ids.map((id, i) => [id, tokens[i]!])),
            inactive: ids.filter((id) => !isTicking(id)),
          };
        },
        unsubscribe(selection) {
          if (selection.all) {
            hub.unsubscribe(consumer, 'all');
            return { instruments: 'all' };
          }
          const ids = [...new Set(selection.instruments!)];
          registry.requireKnown(ids);
          hub.unsubscribe(consumer, ids.map((id) => registry.get(id)!.token));
          return { instruments: ids };
        },
        close() {
          const removed = hub.removeConsumer(consumer);
          // A client that leaves while it lags never hears what it lost: the log does.
          if (removed && removed.lost > 0) {
            log.info({ consumer: removed.id, lost: removed.lost, delivered: removed.delivered, lagging: removed.lagging }, `a stream client left having missed ${removed.lost} ticks by falling behind`);
          }
        },
      };
    },
  };
}
