/**
 * Orders and the central risk manager as a service: the order store, the risk book, trading
 * states and limits, the order router with the paper broker on the simulated market, their API
 * methods and the `orders` and `risk` topics. Prices come from the tick hub as an observer: the
 * book is marked on every tick, and the limits are watched a few times a second.
 */
import type { Logger } from 'pino';
import type { Api, KillSwitchResult } from '../../shared/contract/api';
import type { Principal } from '../../shared/contract/scopes';
import type { RiskMessage, Topics } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import { readPacketPrice } from '../../shared/kite-packet';
import type { MarketSession } from '../../shared/market-session';
import type { OrderRequest } from '../../shared/order';
import type { PositionInfo, RiskSummary } from '../../shared/risk';
import type { ApiCore } from '../api/api-core';
import type { Fleet } from '../fleet/fleet-hub';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import { type OrderBroker, OrderRouter } from '../orders/order-router';
import { OrderStore } from '../orders/order-store';
import { AlgoOwners } from '../orders/algo-owners';
import { accessOf, ordersTopic } from '../orders/order-access';
import { PaperBroker, type PaperUpdate } from '../orders/paper-broker';
import { RiskBook } from '../risk/risk-book';
import { RiskDays } from '../risk/risk-days';
import { LimitsStore } from '../risk/risk-limits';
import { RiskStates, type RiskStatesSnapshot, SEVERITY, type StateChange } from '../risk/risk-states';
import { sessionOpenBefore } from '../../shared/market-session';
import type { AgentDb } from '../store/agent-db';
import { broadcastTopic } from '../stream/broadcast-topic';
import type { StreamCore } from '../stream/stream-core';
import type { TaskSupervisor } from '../tasks/task-supervisor';
import type { TickHub } from '../ticker/tick-hub';
import type { Service } from './service';

export interface RiskServiceOptions {
  db: AgentDb;
  log: Logger;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  hub: TickHub;
  registry: InstrumentRegistry;
  tasks: TaskSupervisor;
  fleet: Fleet;
  /** The exchange's session: the risk day rolls at its open. */
  session: MarketSession;
  /**
   * The broker orders go to (a Kite session's); absent: the paper broker on the agent's
   * simulated market. Its updates must go to `onUpdate`.
   */
  broker?: (onUpdate: (update: PaperUpdate) => void) => OrderBroker;
  /**
   * Has the ticker carry an instrument an order names but no tick has priced (an algo on a member
   * trades what the hub's ticker may not carry): true when it was added. The order then waits
   * a little for the first price.
   */
  carry?: (instrument: string) => boolean;
}

/** How long an order waits for the first price of an instrument the ticker was just asked to carry. */
const FIRST_PRICE_WAIT_MS = 3000;

/** Where the trading states are kept, and how often they are written as peaks move. */
const STATES_SETTING = 'risk.states';
const PERSIST_MS = 5000;

/** How often the limits are watched as prices move (fills are watched at once). */
const WATCH_MS = 250;

export function riskService(options: RiskServiceOptions): Service<OrderRouter> {
  let stopObserving: (() => void) | undefined;
  let watch: NodeJS.Timeout | undefined;
  let persistNow: (() => void) | undefined;
  return {
    name: 'risk',
    start() {
      const { db, hub, registry, tasks, fleet } = options;
      const limits = new LimitsStore(db);
      const book = new RiskBook(limits.get().global.fallbackRiskFraction ?? 0.02);
      const states = new RiskStates(Date.now());
      // Trading states, the kill switch and the day's baselines outlive a restart (even a kill -9).
      const saved = db.setting(STATES_SETTING);
      if (saved) states.restore(JSON.parse(saved) as RiskStatesSnapshot);
      let savedStates = saved ?? '';
      let savedAt = 0;
      /** Writes the states when they changed: at once after a state change, at most every few seconds as peaks move. */
      const persist = (urgent: boolean) => {
        const text = JSON.stringify(states.snapshot());
        if (text === savedStates || (!urgent && Date.now() - savedAt < PERSIST_MS)) return;
        db.saveSettings({ [STATES_SETTING]: text });
        savedStates = text;
        savedAt = Date.now();
      };
      persistNow = () => persist(true);
      const store = new OrderStore(db.db);
      const owners = new AlgoOwners(db.db);
      owners.adoptUnbound(fleet.self.id);
      const access = (principal: Principal | undefined) =>
        accessOf(principal, { owners, selfId: fleet.self.id, taskName: (id) => tasks.get(id).name, agentName: (id) => fleet.agents().find((a) => a.id === id)?.name ?? id });
      fleet.onForget((agentId) => owners.release(agentId));
      const orders = ordersTopic((principal) => access(principal).mayAct);
      const riskTopic = broadcastTopic<Topics['risk']>();
      const announce = (change: StateChange) => {
        riskTopic.publish({ type: 'risk_state', ...change } satisfies RiskMessage);
        persist(true);
      };
      const router = new OrderRouter({
        store,
        book,
        states,
        limits: () => limits.get(),
        utcOffsetMinutes: options.session.utcOffsetMinutes,
        events: {
          order: (order) => orders.listened && orders.publish([order]),
          states: (changes) => {
            for (const change of changes) {
              options.log.warn({ scope: change.scope, to: change.to }, change.reason);
              announce(change);
            }
          },
        },
      });
      const quote = (instrument: string) => {
        const token = registry.get(instrument)?.token;
        return token === undefined ? undefined : hub.latest(token);
      };
      const onUpdate = (update: PaperUpdate) => router.onBrokerUpdate(update);
      const paper = options.broker ? null : new PaperBroker({ quote, onUpdate });
      router.useBroker(paper ?? options.broker!(onUpdate));
      // Marks from every tick; the paper broker's resting orders are worked after the hub's turn.
      const waiting = new Set<string>();
      const work = () => {
        for (const instrument of waiting) {
          const tick = quote(instrument);
          if (tick) paper?.onTick(tick);
        }
        waiting.clear();
      };
      stopObserving = hub.observe({
        tick(token, view, offset, length) {
          const instrument = registry.byTokenOf(token)?.id;
          if (instrument === undefined) return;
          book.mark(instrument, readPacketPrice(view, offset, length));
          if (!paper?.wants(instrument)) return;
          if (waiting.size === 0) setImmediate(work);
          waiting.add(instrument);
        },
      });
      for (const instrument of registry.search(undefined, registry.size)) {
        const tick = hub.latest(instrument.token);
        if (tick) book.mark(instrument.id, tick.lastPrice);
      }
      const resumed = router.recover();
      if (resumed > 0) options.log.info({ orders: resumed }, 'orders in flight when the agent stopped were sent on');
      // A restart within the session keeps its states and baselines; after a new open, the new session's.
      if (!saved || states.sessionOpenedAt < sessionOpenBefore(Date.now(), options.session)) states.openSession(book, Date.now());
      persist(true);
      const days = new RiskDays(db.db, options.session, Date.now());
      watch = setInterval(() => {
        router.recheckDeferred();
        router.evaluateStates();
        const rolled = days.observe(book, states, Date.now());
        if (rolled) options.log.info({ date: rolled.date, maxMoneyAtRisk: rolled.maxMoneyAtRisk, pnl: rolled.pnl }, 'the risk day rolled');
        persist(rolled !== null);
      }, WATCH_MS);
      watch.unref();

      const summary = (): RiskSummary => riskSummary(book, states, limits.get());

      options.api.provide({
        placeOrder: async (input, { principal }) => {
          access(principal).claim(input.algo);
          const { allow, deny } = limits.get().global;
          const tradable = !deny?.includes(input.instrument) && (allow === undefined || allow.includes(input.instrument));
          if (tradable && book.markOf(input.instrument) === undefined && options.carry?.(input.instrument)) {
            options.log.info({ instrument: input.instrument, algo: input.algo }, 'the ticker now carries an instrument an order named, to price it');
            const until = Date.now() + FIRST_PRICE_WAIT_MS;
            while (book.markOf(input.instrument) === undefined && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
          }
          return router.place(input);
        },
        listOrders: ({ algo, state, limit }, { principal }) => {
          const reach = access(principal);
          if (reach.all) return { orders: store.list({ algo, state, limit }) };
          if (algo !== undefined && !reach.mayAct(algo)) throw new ApiError('forbidden', `This token sees its own algos' orders only, not ${algo}'s.`, { field: 'algo' });
          return { orders: store.list({ algos: algo !== undefined ? [algo] : reach.algos(), state, limit }) };
        },
        cancelOrder: ({ id }, { principal }) => {
          const order = store.get(id);
          if (order && !access(principal).mayAct(order.algo)) throw new ApiError('forbidden', `This token cancels its own algos' orders only, not ${order.algo}'s.`, { field: 'id' });
          return router.cancel(id);
        },
        getPositions: (_input, { principal }) => {
          const reach = access(principal);
          return { positions: positions(book).filter((p) => reach.mayAct(p.algo)) };
        },
        getRisk: () => summary(),
        getRiskHistory: ({ days: count }) => ({ days: days.history(count) }),
        setRiskLimits: (change) => {
          const next = limits.change(change);
          router.evaluateStates();
          return next;
        },
        setTradingState: ({ scope, state, reason }) => {
          const now = Date.now();
          if (scope === 'global' && states.killSwitchEngaged && state !== 'HALTED') {
            throw new ApiError('conflict', 'The kill switch holds everything HALTED: release it (POST /api/v1/risk/kill-switch) to trade again.', { field: 'state' });
          }
          // A state looser than a breach calls for would be undone at the next look: the limit must move first.
          const breach = states.breach(book, limits.get(), scope === 'global' ? undefined : scope);
          if (breach && SEVERITY[state] < SEVERITY[breach.onBreach]) {
            throw new ApiError('conflict', `${breach.reason}: raise or remove that limit first, or wait for the next session.`, { field: 'state' });
          }
          const change = states.set(scope, state, reason ?? 'set by hand', now);
          if (change) {
            options.log.warn({ scope, to: state }, change.reason);
            announce(change);
          }
          return summary();
        },
        setKillSwitch: async ({ engage, flatten, stopAlgos }) => {
          const result: KillSwitchResult = { engaged: engage, cancelled: 0, exits: [], exitsRefused: [], algosStopped: [], agentsNotReached: [], risk: summary() };
          if (!engage) {
            const change = states.releaseKillSwitch(Date.now());
            if (change) announce(change);
            persist(true);
            return { ...result, risk: summary() };
          }
          const change = states.engageKillSwitch(Date.now());
          if (change) announce(change);
          persist(true);
          // One commit for every cancel the broker answers at once (the paper broker's all).
          store.atomically(() => {
            for (const order of store.unfinished()) {
              router.cancel(order.id);
              result.cancelled++;
            }
          });
          if (flatten) {
            for (const cell of [...book.allCells()]) {
              if (cell.quantity === 0) continue;
              const exit: OrderRequest = { algo: cell.algo, instrument: cell.instrument, side: cell.quantity > 0 ? 'SELL' : 'BUY', quantity: Math.abs(cell.quantity), type: 'MARKET', exit: true };
              try {
                result.exits.push(router.place(exit));
              } catch (error) {
                result.exitsRefused.push({ algo: cell.algo, instrument: cell.instrument, message: (error as Error).message });
              }
            }
          }
          if (stopAlgos) {
            await tasks.stopAll();
            result.algosStopped.push(fleet.self.name);
            for (const agent of fleet.agents().filter((a) => !a.hub && a.status === 'online' && a.id !== fleet.self.id)) {
              try {
                await fleet.route(agent.id, 'stopAllTasks', {}, { kind: 'owner' }, undefined);
                result.algosStopped.push(agent.name);
              } catch (error) {
                result.agentsNotReached.push({ agent: agent.name, message: (error as Error).message });
              }
            }
          }
          return { ...result, risk: summary() };
        },
      });
      options.stream.provide({ orders: orders.handler, risk: riskTopic.handler });
      return router;
    },
    stop() {
      stopObserving?.();
      if (watch) clearInterval(watch);
      persistNow?.();
    },
  };
}

function positions(book: RiskBook): PositionInfo[] {
  const list: PositionInfo[] = [];
  for (const cell of book.allCells()) {
    if (!cell.traded) continue;
    const unrealised = book.unrealised(cell);
    list.push({
      algo: cell.algo,
      instrument: cell.instrument,
      quantity: cell.quantity,
      averagePrice: cell.averagePrice,
      lastPrice: book.markOf(cell.instrument) ?? null,
      pnl: cell.realised + unrealised,
      realised: cell.realised,
      unrealised,
      moneyAtRisk: cell.risk,
      stopLoss: cell.stopLoss,
    });
  }
  return list;
}

function riskSummary(book: RiskBook, states: RiskStates, limits: RiskSummary['limits']): RiskSummary {
  const iso = (ms: number) => new Date(ms).toISOString();
  const moneyAtRisk: RiskSummary['moneyAtRisk'] = {};
  const instruments: RiskSummary['instruments'] = {};
  const algos: RiskSummary['algos'] = {};
  const exposure: RiskSummary['exposure'] = {};
  for (const cell of book.allCells()) {
    (moneyAtRisk[cell.algo] ??= {})[cell.instrument] = cell.risk;
    if (cell.quantity !== 0) {
      const held = (exposure[cell.instrument] ??= { net: 0, gross: 0, notional: 0, algos: {} });
      held.net += cell.quantity;
      held.gross += Math.abs(cell.quantity);
      held.notional += Math.abs(cell.quantity) * (book.markOf(cell.instrument) ?? cell.averagePrice);
      held.algos[cell.algo] = cell.quantity;
    }
    instruments[cell.instrument] = book.riskOfInstrument(cell.instrument);
  }
  // Every algo that traded, and any whose state was set (halted by hand before its first order).
  for (const algo of new Set([...Object.keys(moneyAtRisk), ...states.algoNames()])) {
    const equity = states.equity(book, algo);
    const state = states.algoState(algo);
    algos[algo] = {
      state: state?.state ?? 'ACTIVE',
      reason: state?.reason ?? null,
      since: iso(state?.since ?? states.sessionOpenedAt),
      moneyAtRisk: book.riskOfAlgo(algo),
      pnl: equity.equity,
      dayPnl: equity.dayPnl,
      drawdown: equity.drawdown,
      openPositions: book.openPositions(algo),
    };
  }
  const total = states.equity(book);
  const global = states.globalState();
  return {
    state: { state: global.state, reason: global.reason, since: iso(global.since), killSwitch: states.killSwitchEngaged },
    totals: { moneyAtRisk: book.risk(), pnl: total.equity, dayPnl: total.dayPnl, drawdown: total.drawdown, openPositions: book.openPositions() },
    algos,
    moneyAtRisk,
    instruments,
    exposure,
    limits,
  };
}
