/**
 * The daily risk record: through each session the highest money at risk (overall, per algo,
 * per instrument), the deepest drawdown and the P&L are kept; at the next session's open the
 * day is rolled: stored as it ended, and a new one begins (the trading states' day with it). The
 * day in progress is written every few seconds, so a restart keeps its highs.
 */
import type Database from 'better-sqlite3';
import { type MarketSession, sessionDate, sessionOpenBefore } from '../../shared/market-session';
import type { RiskDay } from '../../shared/risk';
import type { RiskBook } from './risk-book';
import type { RiskStates } from './risk-states';

const SAVE_EVERY_MS = 5000;

function emptyDay(date: string): RiskDay {
  return { date, maxMoneyAtRisk: 0, maxMoneyAtRiskByAlgo: {}, maxMoneyAtRiskByInstrument: {}, pnl: 0, pnlByAlgo: {}, maxDrawdown: 0, maxDrawdownByAlgo: {} };
}

export class RiskDays {
  private day: RiskDay;
  private savedAt = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly session: MarketSession,
    now: number,
  ) {
    const date = sessionDate(sessionOpenBefore(now, session), session);
    const row = db.prepare(`SELECT body FROM risk_days WHERE date = ?`).get(date) as { body: string } | undefined;
    this.day = row ? (JSON.parse(row.body) as RiskDay) : emptyDay(date);
  }

  /** Today's record so far. */
  current(): RiskDay {
    return this.day;
  }

  /**
   * Takes the book's figures into today's record; when a new session has opened since, rolls the
   * day first (the finished day is returned) and opens the states' new day.
   */
  observe(book: RiskBook, states: RiskStates, now: number): RiskDay | null {
    const date = sessionDate(sessionOpenBefore(now, this.session), this.session);
    let rolled: RiskDay | null = null;
    if (date !== this.day.date) {
      rolled = this.day;
      this.save(rolled);
      this.day = emptyDay(date);
      states.openSession(book, now);
    }
    const day = this.day;
    day.maxMoneyAtRisk = Math.max(day.maxMoneyAtRisk, book.risk());
    const algos = new Set<string>();
    for (const cell of book.allCells()) {
      algos.add(cell.algo);
      day.maxMoneyAtRiskByInstrument[cell.instrument] = Math.max(day.maxMoneyAtRiskByInstrument[cell.instrument] ?? 0, book.riskOfInstrument(cell.instrument));
    }
    for (const algo of algos) {
      day.maxMoneyAtRiskByAlgo[algo] = Math.max(day.maxMoneyAtRiskByAlgo[algo] ?? 0, book.riskOfAlgo(algo));
      const equity = states.equity(book, algo);
      day.pnlByAlgo[algo] = equity.dayPnl;
      day.maxDrawdownByAlgo[algo] = Math.max(day.maxDrawdownByAlgo[algo] ?? 0, equity.drawdown);
    }
    const total = states.equity(book);
    day.pnl = total.dayPnl;
    day.maxDrawdown = Math.max(day.maxDrawdown, total.drawdown);
    if (now - this.savedAt >= SAVE_EVERY_MS) {
      this.save(day);
      this.savedAt = now;
    }
    return rolled;
  }

  /** The last `days` records, newest first, today's included. */
  history(days: number): RiskDay[] {
    this.save(this.day);
    const rows = this.db.prepare(`SELECT body FROM risk_days ORDER BY date DESC LIMIT ?`).all(days) as Array<{ body: string }>;
    return rows.map((row) => JSON.parse(row.body) as RiskDay);
  }

  private save(day: RiskDay): void {
    this.db.prepare(`INSERT INTO risk_days (date, body) VALUES (?, ?) ON CONFLICT (date) DO UPDATE SET body = excluded.body`).run(day.date, JSON.stringify(day));
  }
}
