/**
 * The central risk manager's vocabulary: limits (global, per algo, per instrument across algos),
 * trading states, and the named rules an order is refused by.
 */

export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
/** ACTIVE: orders pass the checks; REDUCING: only orders that reduce exposure; HALTED: nothing new (cancels pass). */
export type TradingState = (typeof TRADING_STATES)[number];

/** Limits that apply to an algo, or to all of them together (`global`). Absent: no limit. */
export interface RiskLimits {
  maxOrderValue?: number;
  maxOrderQuantity?: number;
  /** Money at risk one order may add. */
  maxRiskPerTrade?: number;
  /** Money at risk in total: of the algo, or of the portfolio (global). */
  maxRisk?: number;
  maxOpenPositions?: number;
  maxOrdersPerSecond?: number;
  maxOrdersPerMinute?: number;
  /** Loss since the session opened (realised and unrealised), as a positive amount. */
  maxDailyLoss?: number;
  /** Equity below the day's peak, as a positive amount. */
  maxDrawdown?: number;
  /** What crossing the daily loss or drawdown limit does (default HALTED). */
  onBreach?: 'REDUCING' | 'HALTED';
  /**
   * When new exposure may be taken, in the exchange's time (`"09:20"` to `"15:10"`; a window past
   * midnight runs from `from` to `to` the next day). Outside it, only orders that reduce a
   * position pass.
   */
  tradingWindow?: TradingWindow;
}

export interface TradingWindow {
  from: string;
  to: string;
}

/** Limits of one instrument across every algo. */
export interface InstrumentLimits {
  maxOrderValue?: number;
  maxOrderQuantity?: number;
  maxRisk?: number;
}

export interface RiskLimitSet {
  global: RiskLimits & {
    /** Money at risk of a position without a stop: this share of its notional (default 0.02). */
    fallbackRiskFraction?: number;
    /** Only these instruments may be traded (absent: any). */
    allow?: string[];
    deny?: string[];
  };
  algos: Record<string, RiskLimits>;
  instruments: Record<string, InstrumentLimits>;
}

export const RISK_RULES = [
  'halted',
  'reducing',
  'instrument_denied',
  'instrument_not_allowed',
  'no_price',
  'outside_trading_window',
  'max_order_quantity',
  'max_order_value',
  'max_orders_per_second',
  'max_orders_per_minute',
  'max_risk_per_trade',
  'max_risk_algo',
  'max_risk_instrument',
  'max_risk_portfolio',
  'max_open_positions',
] as const;
export type RiskRule = (typeof RISK_RULES)[number];

/** Why an order was refused: the rule, a sentence, and the figures it compared. */
export interface RiskRejection {
  rule: RiskRule;
  message: string;
  limit?: number;
  value?: number;
}

/** A position of one algo in one instrument, marked to the last price. */
export interface PositionInfo {
  algo: string;
  instrument: string;
  /** Signed: long above zero, short below. */
  quantity: number;
  averagePrice: number;
  lastPrice: number | null;
  /** Realised plus unrealised. */
  pnl: number;
  realised: number;
  unrealised: number;
  moneyAtRisk: number;
  stopLoss: number | null;
}

export interface StateInfo {
  state: TradingState;
  reason: string | null;
  since: string;
}

export interface RiskFigures {
  moneyAtRisk: number;
  pnl: number;
  /** P&L since the session opened. */
  dayPnl: number;
  /** Equity below the day's peak. */
  drawdown: number;
  openPositions: number;
}

/** `GET /api/v1/risk`. */
export interface RiskSummary {
  state: StateInfo & { killSwitch: boolean };
  totals: RiskFigures;
  algos: Record<string, StateInfo & RiskFigures>;
  /** Money at risk by algo, then instrument. */
  moneyAtRisk: Record<string, Record<string, number>>;
  /** Money at risk in each instrument across algos. */
  instruments: Record<string, number>;
  /**
   * What the portfolio holds of each instrument, across algos: the shared knowledge an algo reads
   * to see that others already hold a stock. Only instruments held now.
   */
  exposure: Record<string, InstrumentExposure>;
  limits: RiskLimitSet;
}

export interface InstrumentExposure {
  /** Signed: long above zero. */
  net: number;
  gross: number;
  /** Gross quantity at the last price. */
  notional: number;
  /** Each algo's signed quantity. */
  algos: Record<string, number>;
}

/** One session's record: its highest money at risk (overall, per algo, per instrument), P&L and deepest drawdown. */
export interface RiskDay {
  /** The local date the session opened on. */
  date: string;
  maxMoneyAtRisk: number;
  maxMoneyAtRiskByAlgo: Record<string, number>;
  maxMoneyAtRiskByInstrument: Record<string, number>;
  pnl: number;
  pnlByAlgo: Record<string, number>;
  maxDrawdown: number;
  maxDrawdownByAlgo: Record<string, number>;
}
