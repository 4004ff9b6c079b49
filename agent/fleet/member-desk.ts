/**
 * The hub's desk for its members' algos: every order of every algo on every agent passes the one
 * risk manager at the hub. A member's `ask` runs one of a few API methods (orders, positions,
 * the shared risk state) as the member's principal, so the risk service decides what that member
 * may do exactly as it does for a local task; the answer goes back on the link. Each linked
 * member also gets the events of its algos (from the hub's own `orders` and `risk` topics, as
 * its principal sees them), so its algos hear of fills and breaches without asking.
 */
import type { Logger } from 'pino';
import type { Api } from '../../shared/contract/api';
import type { Principal } from '../../shared/contract/scopes';
import type { Topics } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import type { ApiCore } from '../api/api-core';
import type { StreamCore, StreamPeer } from '../stream/stream-core';
import type { MemberDesk } from './fleet-hub';
import type { MemberConnection } from './member-connection';

/** Events a member hears of: they are the only messages it is sent unasked. */
const EVENT_TYPES = new Set(['orders', 'risk_state']);

/** Asks of one member in flight at once: a member that floods the hub is answered with a refusal. */
const MAX_IN_FLIGHT = 256;

export function memberDesk(options: { api: ApiCore<Api>; stream: StreamCore<Topics>; log: Logger }): MemberDesk {
  const inFlight = new WeakMap<MemberConnection, number>();
  return {
    linked(connection) {
      const principal: Principal = { kind: 'member', agentId: connection.hello.id };
      const peer: StreamPeer = {
        format: 'json',
        reply: (message) => {
          if (EVENT_TYPES.has(message.type)) connection.pushEvent(JSON.stringify(message));
        },
        // These topics send JSON only; prepared text is one message.
        send: (data, written) => {
          if (typeof data === 'string' && /^\{"type":"(orders|risk_state)"/.test(data)) connection.pushEvent(data);
          written?.();
        },
        bufferedAmount: () => connection.ws.bufferedAmount,
      };
      const session = options.stream.open(peer, principal);
      session.receive({ type: 'subscribe', topic: 'orders' });
      session.receive({ type: 'subscribe', topic: 'risk' });
      connection.whenClosed(() => session.close());
    },
    ask(connection, { id, method, input, algo }) {
      const count = inFlight.get(connection) ?? 0;
      if (count >= MAX_IN_FLIGHT) {
        connection.answer(id, { ok: false, error: new ApiError('unavailable', `More than ${MAX_IN_FLIGHT} requests of this agent wait at the hub: try again shortly.`).toBody().error });
        return;
      }
      inFlight.set(connection, count + 1);
      const principal: Principal = { kind: 'member', agentId: connection.hello.id, ...(algo === undefined ? {} : { algo }) };
      const who = `agent ${connection.hello.name}${algo === undefined ? '' : ` for algo ${algo}`}`;
      options.api
        .call(method, input, principal, undefined, { via: who, address: connection.address })
        .then(
          (value) => connection.answer(id, { ok: true, value }),
          (error: unknown) => {
            const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The hub failed to handle this request; see its log.');
            if (apiError.code === 'internal') options.log.error({ err: error, method, agent: connection.hello.name }, "a member's ask failed");
            connection.answer(id, { ok: false, error: apiError.toBody().error });
          },
        )
        .finally(() => inFlight.set(connection, (inFlight.get(connection) ?? 1) - 1));
    },
  };
}
