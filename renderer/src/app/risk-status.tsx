/**
 * The top bar's risk: the day's P&L, money at risk, the global trading state (with its reason,
 * and how many algos are held back on their own), and the kill switch, one click away. Greyed
 * while the figures cannot be refreshed: old figures never look live.
 */
import { useEffect } from 'react';
import { KillSwitch } from '../components/kill-switch';
import { directionOf, formatRupeesCompact } from '../format/numbers';
import { formatDateTime } from '../format/time';
import { useStreamState } from '../live/use-live';
import { useDeck, useSlice } from './deck';

const STATE_TONE = { ACTIVE: 'success', REDUCING: 'warning', HALTED: 'error' } as const;

export function RiskStatus() {
  const deck = useDeck();
  useEffect(() => deck.risk.getState().watch(), [deck]);
  const dayPnl = useSlice(deck.risk, (slice) => slice.summary?.totals.dayPnl);
  const atRisk = useSlice(deck.risk, (slice) => slice.summary?.totals.moneyAtRisk);
  const limit = useSlice(deck.risk, (slice) => slice.summary?.limits.global.maxRisk);
  const state = useSlice(deck.risk, (slice) => slice.summary?.state.state);
  const reason = useSlice(deck.risk, (slice) => slice.summary?.state.reason);
  const since = useSlice(deck.risk, (slice) => slice.summary?.state.since);
  const killSwitch = useSlice(deck.risk, (slice) => slice.summary?.state.killSwitch);
  const heldBack = useSlice(deck.risk, (slice) => Object.values(slice.summary?.algos ?? {}).filter((algo) => algo.state !== 'ACTIVE').length);
  const failed = useSlice(deck.risk, (slice) => slice.error !== null);
  const stream = useStreamState(deck.feed).state;
  const stale = failed || stream !== 'open';
  const known = state !== undefined;
  return (
    <>
      <a className={`bar-figure${stale ? ' stale' : ''}`} href="#/orders" title="The day's P&L: realised and unrealised, since the session opened" data-testid="bar-pnl">
        <span className="muted">P&amp;L</span>
        <b className={`num ${directionOf(Math.round((dayPnl ?? 0) * 100))}`}>{known ? formatRupeesCompact(dayPnl, true) : '—'}</b>
      </a>
      <a className={`bar-figure${stale ? ' stale' : ''}`} href="#/risk" title={`Money at risk across every algo${limit === undefined ? '' : ` (limit ${formatRupeesCompact(limit)})`}`} data-testid="bar-risk">
        <span className="muted">At risk</span>
        <b className="num">{known ? formatRupeesCompact(atRisk) : '—'}</b>
      </a>
      {known ? (
        <a className={`chip ${STATE_TONE[state]}`} href="#/risk" title={`${reason ?? 'Orders pass the risk checks'} · since ${formatDateTime(since)}`} data-testid="trading-state" data-state={state}>
          {state}
          {killSwitch ? ' · kill switch' : ''}
        </a>
      ) : null}
      {heldBack > 0 ? (
        <a className="chip warning" href="#/risk" title="Algos reducing or halted on their own (a breach of their limits)">
          {heldBack} {heldBack === 1 ? 'algo' : 'algos'} held
        </a>
      ) : null}
      <KillSwitch />
    </>
  );
}
