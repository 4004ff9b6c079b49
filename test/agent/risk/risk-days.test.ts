import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NSE_EQUITY_SESSION } from '../../../shared/market-session';
import { RiskBook } from '../../../agent/risk/risk-book';
import { RiskDays } from '../../../agent/risk/risk-days';
import { RiskStates } from '../../../agent/risk/risk-states';
import { AgentDb } from '../../../agent/store/agent-db';

const at = (iso: string) => Date.parse(iso);

test('the day keeps its highs, rolls at the next session’s open, and survives a restart', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-riskdays-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  t.after(() => (db.close(), rmSync(dir, { recursive: true, force: true })));
  const book = new RiskBook();
  const states = new RiskStates(0);
  const monday = at('2026-11-30T04:00:00Z'); // 09:30 IST
  const days = new RiskDays(db.db, NSE_EQUITY_SESSION, monday);
  book.mark('NSE:INFY', 1000);
  book.addInFlight({ id: 'a', algo: 'ma', instrument: 'NSE:INFY', side: 'BUY', remaining: 100, price: null, stopLoss: 990 });
  book.fill('a', 100, 1000);
  states.openSession(book, monday);
  // As the service does: the states watch the limits (and the day's peak), then the day is kept.
  const none = { global: {}, algos: {}, instruments: {} };
  book.mark('NSE:INFY', 1020); // 3,000 at risk, +2,000
  states.evaluate(book, none, monday + 1000);
  assert.equal(days.observe(book, states, monday + 1000), null);
  book.mark('NSE:INFY', 1005); // 1,500 at risk, +500: 1,500 below the peak
  states.evaluate(book, none, monday + 2000);
  days.observe(book, states, monday + 2000);
  const today = days.current();
  assert.equal(today.date, '2026-11-30');
  assert.equal(today.maxMoneyAtRisk, 3000);
  assert.equal(today.maxMoneyAtRiskByAlgo.ma, 3000);
  assert.equal(today.maxMoneyAtRiskByInstrument['NSE:INFY'], 3000);
  assert.equal(today.pnl, 500);
  assert.equal(today.maxDrawdown, 1500);

  // A restart during the day keeps its highs.
  const again = new RiskDays(db.db, NSE_EQUITY_SESSION, monday + 3000);
  assert.equal(again.current().maxMoneyAtRisk, 3000);

  // Tuesday 09:15 IST: Monday is rolled and stored; Tuesday starts from its open.
  const tuesday = at('2026-12-01T03:45:00Z');
  const rolled = again.observe(book, states, tuesday);
  assert.equal(rolled?.date, '2026-11-30');
  assert.equal(rolled?.maxMoneyAtRisk, 3000);
  assert.equal(again.current().date, '2026-12-01');
  assert.equal(again.current().pnl, 0, 'the day’s P&L counts from its open');
  assert.deepEqual(again.history(10).map((d) => [d.date, d.maxMoneyAtRisk]), [['2026-12-01', 1500], ['2026-11-30', 3000]]);
});
