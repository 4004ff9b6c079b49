/**
 * Orders and risk on a fleet member: nothing is checked or placed here. Every order of this
 * agent's algos goes over the link to the hub, where the one risk manager sees every algo of the
 * fleet; positions, orders and the risk state are the hub's. A task's token acts for its own
 * algo (the hub checks that the name is this agent's); the trader at this agent acts for this
 * agent's algos. The hub's order and risk events reach the `orders` and `risk` topics here, so
 * an algo hears of its fills and of breaches as it would on the hub. Limits and the kill switch
 * are the hub's alone.
 */
import type { Api } from '../../shared/contract/api';
import type { Principal } from '../../shared/contract/scopes';
import type { Topics } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import type { Order } from '../../shared/order';
import type { PositionInfo, RiskDay, RiskSummary } from '../../shared/risk';
import type { ApiCore } from '../api/api-core';
import type { FleetMember } from '../fleet/fleet-member';
import { broadcastTopic } from '../stream/broadcast-topic';
import type { StreamCore } from '../stream/stream-core';
import { ordersTopic } from '../orders/order-access';
import type { TaskSupervisor } from '../tasks/task-supervisor';
import type { Service } from './service';

export interface MemberRiskServiceOptions {
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  member: FleetMember;
  tasks: TaskSupervisor;
}

export function memberRiskService(options: MemberRiskServiceOptions): Service<void> {
  let stopEvents: (() => void) | undefined;
  return {
    name: 'risk',
    start() {
      const { member, tasks } = options;
      /** The algo a task acts for (its name); undefined for the trader at this agent. */
      const algoOf = (principal: Principal | undefined) => (principal?.kind === 'task' ? tasks.get(principal.taskId).name : undefined);
      const hubOnly = () => new ApiError('hub_only', `This agent is a member of the fleet of ${member.hub?.name ?? 'its hub'}: risk limits, trading states and the kill switch are set at the hub, where every algo's orders are checked.`);
      options.api.provide({
        placeOrder: async (input, { principal }) => {
          const algo = algoOf(principal);
          if (algo !== undefined && input.algo !== algo) throw new ApiError('forbidden', `This token places orders for its own algo only (${algo}).`, { field: 'algo' });
          return (await member.ask('placeOrder', input, algo)) as Order;
        },
        listOrders: async (input, { principal }) => (await member.ask('listOrders', input, algoOf(principal))) as { orders: Order[] },
        cancelOrder: async (input, { principal }) => (await member.ask('cancelOrder', input, algoOf(principal))) as Order,
        getPositions: async (input, { principal }) => (await member.ask('getPositions', input, algoOf(principal))) as { positions: PositionInfo[] },
        getRisk: async () => (await member.ask('getRisk', {})) as RiskSummary,
        getRiskHistory: async (input) => (await member.ask('getRiskHistory', input)) as { days: RiskDay[] },
        setRiskLimits: () => {
          throw hubOnly();
        },
        setKillSwitch: () => {
          throw hubOnly();
        },
        setTradingState: () => {
          throw hubOnly();
        },
      });
      const risk = broadcastTopic<Topics['risk']>();
      // A task hears of its own algo's orders; the trader here, of all this agent's.
      const orders = ordersTopic((principal) => {
        const algo = algoOf(principal);
        return (of) => algo === undefined || of === algo;
      });
      stopEvents = member.onEvent((message) => {
        if (message.type === 'risk_state') risk.publish(message);
        else if (message.type === 'orders') orders.publish(message.orders as Order[]);
      });
      options.stream.provide({ orders: orders.handler, risk: risk.handler });
    },
    stop() {
      stopEvents?.();
    },
  };
}
