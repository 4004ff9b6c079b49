/**
 * Whose orders a caller may place, cancel and see at the risk manager. The trader (the agent's
 * owner, a signed-in dashboard, a viewer for reading) reaches every algo. A task acts for its own
 * algo (its name), a fleet member for its own algos (or one of them, when it acts for that algo's
 * task): the first order binds an algo's name to the agent it came from, and no other agent may
 * act under it afterwards.
 */
import type { Principal } from '../../shared/contract/scopes';
import type { Order } from '../../shared/order';
import type { StreamPeer, TopicHandler } from '../stream/stream-core';
import type { OrdersMessage, Topics } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import type { AlgoOwners } from './algo-owners';

export interface OrderAccess {
  /** Every algo: the trader. */
  all: boolean;
  /** The one algo a task (or a member for one task) acts for. */
  only: string | null;
  /** Whether this caller may act on (or see the orders of) `algo`. */
  mayAct(algo: string): boolean;
  /** The algos it may act on, when not all. */
  algos(): string[];
  /**
   * Before placing an order for `algo`: refuses another's algo, and binds a new name to the
   * caller's agent.
   */
  claim(algo: string): void;
}

export interface AccessContext {
  owners: AlgoOwners;
  /** This agent's id (local tasks trade from it). */
  selfId: string;
  taskName(taskId: string): string;
  agentName(agentId: string): string;
}

export function accessOf(principal: Principal | undefined, context: AccessContext): OrderAccess {
  if (principal === undefined || principal.kind === 'owner' || principal.kind === 'session' || principal.kind === 'viewer') {
    // The trader at this agent acts for any algo; a name still free becomes this agent's, so no member takes over the trader's own (`manual`).
    const claim = (algo: string) => {
      if (context.owners.of(algo) === undefined) context.owners.claim(algo, context.selfId, context.agentName);
    };
    return { all: true, only: null, mayAct: () => true, algos: () => [], claim };
  }
  const agent = principal.kind === 'task' ? context.selfId : principal.agentId;
  const only = principal.kind === 'task' ? context.taskName(principal.taskId) : (principal.algo ?? null);
  const { owners } = context;
  // A local task's algo may not have traded yet (then it is this agent's); a member's must have.
  const ownsIt = (algo: string) => {
    const owner = owners.of(algo);
    return owner === agent || (owner === undefined && principal.kind === 'task');
  };
  return {
    all: false,
    only,
    mayAct: (algo) => (only === null || algo === only) && ownsIt(algo),
    algos: () => (only !== null ? (ownsIt(only) ? [only] : []) : [...owners.algosOf(agent)]),
    claim(algo) {
      if (only !== null && algo !== only) throw new ApiError('forbidden', `This token places orders for its own algo only (${only}).`, { field: 'algo' });
      owners.claim(algo, agent, context.agentName);
    },
  };
}

/** The `orders` topic: each subscriber hears of the orders of the algos `reach` lets its principal see. */
export function ordersTopic(reach: (principal: Principal | undefined) => (algo: string) => boolean): {
  handler: TopicHandler<Topics['orders']>;
  readonly listened: boolean;
  publish(orders: Order[]): void;
} {
  const peers = new Map<StreamPeer, (algo: string) => boolean>();
  const handler: TopicHandler<Topics['orders']> = {
    open(peer, principal) {
      return {
        subscribe() {
          peers.set(peer, reach(principal));
          return {};
        },
        unsubscribe() {
          peers.delete(peer);
          return {};
        },
        close() {
          peers.delete(peer);
        },
      };
    },
  };
  return {
    handler,
    get listened() {
      return peers.size > 0;
    },
    publish(orders) {
      for (const [peer, sees] of peers) {
        const seen = orders.filter((order) => sees(order.algo));
        if (seen.length > 0) peer.reply({ type: 'orders', orders: seen } satisfies OrdersMessage);
      }
    },
  };
}
