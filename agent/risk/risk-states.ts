/**
 * Trading states (ACTIVE, REDUCING, HALTED) per algo and for everything, and what moves them:
 * a user, the kill switch, or a breach of the daily loss or drawdown limit. Equity is realised
 * plus unrealised P&L (marked to the last price); the day's P&L counts from the session's open,
 * and drawdown trails the day's peak equity, per algo and overall. A breach moves the state to
 * the limit's `onBreach` (HALTED by default) and never relaxes it by itself within the day; the
 * next session's open lifts what breaches set (not what a user set).
 */
import type { RiskLimitSet, TradingState } from '../../shared/risk';
import type { RiskBook } from './risk-book';

export interface StateInfo {
  state: TradingState;
  reason: string | null;
  since: number;
  /** Set by a breach (lifted at the next session), not by a user. */
  breach: boolean;
}

export interface RiskStatesSnapshot {
  global: StateInfo;
  algos: Record<string, StateInfo>;
  killSwitch: boolean;
  opens: Record<string, number>;
  peaks: Record<string, number>;
  sessionOpenedAt: number;
}

export interface Equity {
  realised: number;
  unrealised: number;
  /** Realised plus unrealised, now. */
  equity: number;
  /** Equity at the session's open (the day's P&L is `equity − open`). */
  open: number;
  peak: number;
  drawdown: number;
  dayPnl: number;
}

export interface StateChange {
  scope: 'global' | string;
  from: TradingState;
  to: TradingState;
  reason: string;
}

export const SEVERITY: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

function breachOf(equity: Equity, algo: string | undefined, limits: RiskLimitSet['algos'][string]): string | null {
  const who = algo ?? 'the portfolio';
  const money = (value: number) => `₹${value.toLocaleString('en-IN', { maximumFractionDigits: 2 })}`;
  if (limits.maxDailyLoss !== undefined && -equity.dayPnl >= limits.maxDailyLoss) return `${who} lost ${money(-equity.dayPnl)} today, at or over its daily loss limit of ${money(limits.maxDailyLoss)}`;
  if (limits.maxDrawdown !== undefined && equity.drawdown >= limits.maxDrawdown) return `${who} is ${money(equity.drawdown)} below today's peak, at or over its drawdown limit of ${money(limits.maxDrawdown)}`;
  return null;
}
const ACTIVE = (now: number): StateInfo => ({ state: 'ACTIVE', reason: null, since: now, breach: false });

export class RiskStates {
  private global: StateInfo;
  private readonly algos = new Map<string, StateInfo>();
  private readonly opens = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private killSwitch = false;
  /** What `forCheck` answers, until a state moves. */
  private checkView: { global: TradingState; algos: ReadonlyMap<string, TradingState> } | undefined;
  /** When the session this day counts from opened (an algo untouched since is ACTIVE since then). */
  sessionOpenedAt: number;

  constructor(now: number) {
    this.global = ACTIVE(now);
    this.sessionOpenedAt = now;
  }

  /** What a restart must not lose: the states (with the kill switch) and the day's baselines. */
  snapshot(): RiskStatesSnapshot {
    return {
      global: this.global,
      algos: Object.fromEntries(this.algos),
      killSwitch: this.killSwitch,
      opens: Object.fromEntries(this.opens),
      peaks: Object.fromEntries(this.peaks),
      sessionOpenedAt: this.sessionOpenedAt,
    };
  }

  /** Takes back a snapshot (a restart within the same session; a new session then opens on top). */
  restore(snapshot: RiskStatesSnapshot): void {
    this.global = snapshot.global;
    this.algos.clear();
    for (const [algo, info] of Object.entries(snapshot.algos)) this.algos.set(algo, info);
    this.killSwitch = snapshot.killSwitch;
    this.opens.clear();
    for (const [key, value] of Object.entries(snapshot.opens)) this.opens.set(key, value);
    this.peaks.clear();
    for (const [key, value] of Object.entries(snapshot.peaks)) this.peaks.set(key, value);
    this.sessionOpenedAt = snapshot.sessionOpenedAt;
    this.checkView = undefined;
  }

  /** Algos whose state was ever set (by a user or a breach). */
  algoNames(): IterableIterator<string> {
    return this.algos.keys();
  }

  get killSwitchEngaged(): boolean {
    return this.killSwitch;
  }

  globalState(): StateInfo {
    return this.global;
  }

  algoState(algo: string): StateInfo | undefined {
    return this.algos.get(algo);
  }

  /** The states as the pre-trade check reads them (built again only after a state moved). */
  forCheck(): { global: TradingState; algos: ReadonlyMap<string, TradingState> } {
    this.checkView ??= { global: this.global.state, algos: new Map([...this.algos].map(([algo, info]) => [algo, info.state])) };
    return this.checkView;
  }

  /** A user's choice for one algo, or for everything (`global`). */
  set(scope: 'global' | string, state: TradingState, reason: string, now: number): StateChange | null {
    if (scope === 'global' && this.killSwitch && state !== 'HALTED') return null;
    return this.move(scope, state, reason, now, false, true);
  }

  engageKillSwitch(now: number): StateChange | null {
    this.killSwitch = true;
    return this.move('global', 'HALTED', 'the kill switch is engaged', now, false, true);
  }

  releaseKillSwitch(now: number): StateChange | null {
    if (!this.killSwitch) return null;
    this.killSwitch = false;
    return this.move('global', 'ACTIVE', 'the kill switch was released', now, false, true);
  }

  /** Equity of one algo (or, without one, of the whole book), from the book's cells. */
  equity(book: RiskBook, algo?: string): Equity {
    let realised = 0;
    let unrealised = 0;
    for (const cell of book.allCells()) {
      if (algo !== undefined && cell.algo !== algo) continue;
      realised += cell.realised;
      unrealised += book.unrealised(cell);
    }
    return this.equityOf(algo ?? '', realised, unrealised);
  }

  private equityOf(key: string, realised: number, unrealised: number): Equity {
    const equity = realised + unrealised;
    const open = this.opens.get(key) ?? 0;
    const peak = Math.max(this.peaks.get(key) ?? open, equity);
    return { realised, unrealised, equity, open, peak, drawdown: peak - equity, dayPnl: equity - open };
  }

  /**
   * Follows equity (call on every fill and mark): keeps the day's peaks, and moves the state of
   * an algo (or everything) that crosses its daily loss or drawdown limit. Returns what changed.
   * One pass over the book's cells sums every algo's P&L (this runs on every tick).
   */
  evaluate(book: RiskBook, limits: RiskLimitSet, now: number): StateChange[] {
    const changes: StateChange[] = [];
    let realised = 0;
    let unrealised = 0;
    for (const [algo, cells] of book.cellsByAlgo()) {
      let algoRealised = 0;
      let algoUnrealised = 0;
      for (const cell of cells) {
        algoRealised += cell.realised;
        algoUnrealised += book.unrealised(cell);
      }
      realised += algoRealised;
      unrealised += algoUnrealised;
      const change = this.watch(algo, algoRealised + algoUnrealised, limits.algos[algo], now);
      if (change) changes.push(change);
    }
    const change = this.watch(undefined, realised + unrealised, limits.global, now);
    if (change) changes.push(change);
    return changes;
  }

  /** The session opened: P&L and peaks count from here, and states set by breaches are lifted. */
  openSession(book: RiskBook, now: number): StateChange[] {
    this.sessionOpenedAt = now;
    const changes: StateChange[] = [];
    const algos = new Set<string>([...this.algos.keys()]);
    for (const cell of book.allCells()) algos.add(cell.algo);
    for (const key of [undefined, ...algos]) {
      const { equity } = this.equity(book, key);
      this.opens.set(key ?? '', equity);
      this.peaks.set(key ?? '', equity);
    }
    for (const [algo, info] of [['global', this.global] as const, ...this.algos]) {
      if (!info.breach) continue;
      const change = this.move(algo, 'ACTIVE', 'a new session', now, false, true);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** Keeps the day's peak of `algo` (or the portfolio) and moves its state on a breach of its limits. */
  private watch(algo: string | undefined, equity: number, limits: RiskLimitSet['algos'][string] | undefined, now: number): StateChange | null {
    const key = algo ?? '';
    const open = this.opens.get(key) ?? 0;
    const peak = this.peaks.get(key) ?? open;
    if (equity > peak || !this.peaks.has(key)) this.peaks.set(key, Math.max(peak, equity));
    if (limits?.maxDailyLoss === undefined && limits?.maxDrawdown === undefined) return null;
    const reason = breachOf(this.equityOf(key, equity, 0), algo, limits);
    if (reason === null) return null;
    return this.move(algo ?? 'global', limits.onBreach ?? 'HALTED', reason, now, true, false);
  }

  /** Why `algo` (or, without one, the portfolio) is over its daily loss or drawdown limit now; null when it is not. */
  breach(book: RiskBook, limits: RiskLimitSet, algo?: string): { reason: string; onBreach: TradingState } | null {
    const own = algo === undefined ? limits.global : (limits.algos[algo] ?? {});
    const reason = breachOf(this.equity(book, algo), algo, own);
    return reason === null ? null : { reason, onBreach: own.onBreach ?? 'HALTED' };
  }

  /** Moves a state; a breach only ever tightens it, a user may set anything. */
  private move(scope: 'global' | string, to: TradingState, reason: string, now: number, breach: boolean, user: boolean): StateChange | null {
    const current = scope === 'global' ? this.global : (this.algos.get(scope) ?? ACTIVE(now));
    if (current.state === to || (!user && SEVERITY[to] <= SEVERITY[current.state])) return null;
    const next: StateInfo = { state: to, reason: to === 'ACTIVE' ? null : reason, since: now, breach: breach && to !== 'ACTIVE' };
    if (scope === 'global') this.global = next;
    else this.algos.set(scope, next);
    this.checkView = undefined;
    return { scope, from: current.state, to, reason };
  }
}
