/**
 * The pre-trade check: one function every order from every algo passes before any broker sees
 * it. Each rule is named, and a refusal says which one, with the figures it compared. Orders in
 * flight count: the book holds them, so two concurrent orders cannot together pass a limit that
 * each passes alone (the caller adds an accepted order to the book before the next check).
 * Pure apart from the book it reads and the rate window it is given.
 */
import { type OrderRequest, sideSign } from '../../shared/order';
import type { RiskLimitSet, RiskRejection, RiskRule, TradingState, TradingWindow } from '../../shared/risk';
import type { RiskBook } from './risk-book';

export interface CheckState {
  /** The global state (HALTED while the kill switch is engaged). */
  global: TradingState;
  algos: ReadonlyMap<string, TradingState>;
  /** Minutes since midnight in the exchange's time, for trading windows (absent: windows are not checked). */
  minuteOfDay?: number;
}

/** `"09:20"` as minutes since midnight. */
function minutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/** Whether `minute` falls in the window (from inclusive, to exclusive; past midnight when `to` is earlier). */
export function inWindow(window: TradingWindow, minute: number): boolean {
  const from = minutes(window.from);
  const to = minutes(window.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Orders accepted recently, for the rate rules: how many within the last second and minute. */
export interface RateWindow {
  count(algo: string | null, withinMs: number, now: number): number;
}

export type CheckResult = { ok: true; addedRisk: number; reference: number } | ({ ok: false } & RiskRejection);

const money = (value: number) => `₹${value.toLocaleString('en-IN', { maximumFractionDigits: 2 })}`;

function refuse(rule: RiskRule, message: string, limit?: number, value?: number): CheckResult {
  return { ok: false, rule, message, ...(limit === undefined ? {} : { limit }), ...(value === undefined ? {} : { value }) };
}

/** The smallest of the limits given (undefined: none is set). */
function tightest(...limits: Array<number | undefined>): number | undefined {
  const set = limits.filter((limit): limit is number => limit !== undefined);
  return set.length === 0 ? undefined : Math.min(...set);
}

export function preTradeCheck(order: OrderRequest, book: RiskBook, limits: RiskLimitSet, state: CheckState, rates: RateWindow, now: number): CheckResult {
  const { algo, instrument, quantity } = order;
  const algoLimits = limits.algos[algo] ?? {};
  const instrumentLimits = limits.instruments[instrument] ?? {};
  const algoState = state.algos.get(algo) ?? 'ACTIVE';

  // The kill switch's exits pass a halt, but only as reducing orders (checked below): never a bypass.
  const exit = order.exit === true;
  if (state.global === 'HALTED' && !exit) return refuse('halted', 'Trading is halted for every algo: nothing new passes (cancels do).');
  if (algoState === 'HALTED' && !exit) return refuse('halted', `${algo} is halted: nothing new passes (cancels do).`);
  if (limits.global.deny?.includes(instrument)) return refuse('instrument_denied', `${instrument} is on the deny list.`);
  if (limits.global.allow && !limits.global.allow.includes(instrument)) return refuse('instrument_not_allowed', `${instrument} is not on the allow list.`);

  const mark = book.markOf(instrument);
  const reference = order.type === 'LIMIT' || order.type === 'SL' ? (order.price ?? mark) : (mark ?? order.trigger);
  if (reference === undefined) return refuse('no_price', `There is no price for ${instrument} yet to value the order by: subscribe it to the ticker, or send a limit price.`);

  // Outside its trading window an algo may only reduce, as in REDUCING (the rule says which).
  const closed = state.minuteOfDay === undefined ? undefined : [limits.global.tradingWindow, algoLimits.tradingWindow].find((window) => window !== undefined && !inWindow(window, state.minuteOfDay!));
  if (exit || state.global === 'REDUCING' || algoState === 'REDUCING' || closed) {
    const rule: RiskRule = exit || state.global === 'REDUCING' || algoState === 'REDUCING' ? 'reducing' : 'outside_trading_window';
    const who = exit ? 'An exit' : state.global === 'REDUCING' ? 'Every algo' : closed && rule === 'outside_trading_window' ? `Outside its trading window (${closed.from}–${closed.to}), ${algo}` : algo;
    const position = book.projected(algo, instrument);
    const signed = sideSign(order.side) * quantity;
    if (position === 0) return refuse(rule, `${who} may only reduce exposure, and ${algo} holds nothing in ${instrument} to reduce.`);
    if (Math.sign(signed) === Math.sign(position)) return refuse(rule, `${who} may only reduce exposure: this order would grow ${algo}'s position in ${instrument}.`);
    if (quantity > Math.abs(position)) {
      return refuse(rule, `${who} may only reduce exposure: ${quantity} would flip ${algo}'s position of ${Math.abs(position)} in ${instrument}; send at most ${Math.abs(position)}.`, Math.abs(position), quantity);
    }
  }

  const maxQuantity = tightest(limits.global.maxOrderQuantity, algoLimits.maxOrderQuantity, instrumentLimits.maxOrderQuantity);
  if (maxQuantity !== undefined && quantity > maxQuantity) return refuse('max_order_quantity', `${quantity} is more than the ${maxQuantity} an order may be.`, maxQuantity, quantity);
  const value = quantity * reference;
  const maxValue = tightest(limits.global.maxOrderValue, algoLimits.maxOrderValue, instrumentLimits.maxOrderValue);
  if (maxValue !== undefined && value > maxValue) return refuse('max_order_value', `The order is worth ${money(value)}, more than the ${money(maxValue)} an order may be.`, maxValue, value);

  for (const [rule, windowMs, word] of [['max_orders_per_second', 1000, 'second'], ['max_orders_per_minute', 60_000, 'minute']] as const) {
    const field = rule === 'max_orders_per_second' ? 'maxOrdersPerSecond' : 'maxOrdersPerMinute';
    const algoLimit = algoLimits[field];
    if (algoLimit !== undefined && rates.count(algo, windowMs, now) >= algoLimit) return refuse(rule, `${algo} has sent its ${algoLimit} orders for this ${word}.`, algoLimit);
    const globalLimit = limits.global[field];
    if (globalLimit !== undefined && rates.count(null, windowMs, now) >= globalLimit) return refuse(rule, `All algos together have sent the ${globalLimit} orders allowed this ${word}.`, globalLimit);
  }

  const added = book.addedRisk({ algo, instrument, side: order.side, remaining: quantity, price: order.type === 'LIMIT' || order.type === 'SL' ? (order.price ?? null) : null, stopLoss: order.stopLoss ?? null });
  const perTrade = tightest(limits.global.maxRiskPerTrade, algoLimits.maxRiskPerTrade);
  if (perTrade !== undefined && added > perTrade) return refuse('max_risk_per_trade', `The order puts ${money(added)} at risk, more than the ${money(perTrade)} one trade may.`, perTrade, added);
  if (added > 0) {
    const checks: Array<[RiskRule, number | undefined, number, string]> = [
      ['max_risk_algo', algoLimits.maxRisk, book.riskOfAlgo(algo), `${algo}'s money at risk`],
      ['max_risk_instrument', instrumentLimits.maxRisk, book.riskOfInstrument(instrument), `the money at risk in ${instrument} across algos`],
      ['max_risk_portfolio', limits.global.maxRisk, book.risk(), 'the portfolio’s money at risk'],
    ];
    for (const [rule, limit, current, what] of checks) {
      if (limit !== undefined && current + added > limit) {
        return refuse(rule, `The order would take ${what} to ${money(current + added)}, over its limit of ${money(limit)}.`, limit, current + added);
      }
    }
  }

  if (!book.holds(algo, instrument)) {
    const algoMax = algoLimits.maxOpenPositions;
    if (algoMax !== undefined && book.openPositions(algo) >= algoMax) return refuse('max_open_positions', `${algo} already has its ${algoMax} open positions.`, algoMax);
    const globalMax = limits.global.maxOpenPositions;
    if (globalMax !== undefined && book.openPositions() >= globalMax) return refuse('max_open_positions', `The portfolio already has its ${globalMax} open positions.`, globalMax);
  }
  return { ok: true, addedRisk: added, reference };
}
