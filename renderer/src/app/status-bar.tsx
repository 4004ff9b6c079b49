/**
 * The top bar's right side: the stream's state, the tick rate, the broker session, the remote
 * agent shown (desktop app), the day's P&L, money at risk, the trading state, the kill switch and
 * the IST clock.
 */
import { useEffect, useState } from 'react';
import { formatQuantity } from '../format/numbers';
import { formatClock } from '../format/time';
import { useStreamState } from '../live/use-live';
import { useStore } from 'zustand';
import { useDeck, useSlice } from './deck';
import { RiskStatus } from './risk-status';
import { session as pageSession } from './session';

const STREAM_TEXT = { open: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', closed: 'Offline' } as const;

export function StatusBar() {
  const deck = useDeck();
  const { state, detail } = useStreamState(deck.feed);
  const rate = useSlice(deck.ticker, (slice) => slice.ticker?.ticksPerSecond);
  const tickerState = useSlice(deck.ticker, (slice) => slice.ticker?.state);
  const stale = useSlice(deck.ticker, (slice) => slice.ticker?.stale.length ?? 0);
  const broker = useSlice(deck.broker, (slice) => slice.broker);
  // In the desktop app, which agent the window shows when it is not this computer's.
  const remote = useStore(pageSession, (slice) => (slice.target?.desktop && !slice.target.desktop.embedded ? slice.target.desktop : null));
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => deck.broker.getState().watch(), [deck]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const session = broker?.session;
  // Plain elements with titles: the bar is drawn on every page from the first frame, and antd's
  // Tooltip, Badge and Tag cost more there than they add.
  return (
    <div className="status-bar" data-testid="status-bar">
      <span className={`stream-state ${state}`} title={detail ?? 'The live stream from the agent'} data-testid="stream-state" data-state={state}>
        <i />
        {STREAM_TEXT[state]}
      </span>
      <span className="num muted" title="Ticks per second across the ticker's workers">
        {tickerState === 'needs-login' ? 'waiting for login' : tickerState === 'stopped' ? 'ticker stopped' : state !== 'open' || rate === undefined ? '— ticks/s' : `${formatQuantity(rate)} ticks/s`}
      </span>
      {stale > 0 ? (
        <a className="chip warning" href="#/ticker">
          {stale} stale
        </a>
      ) : null}
      {broker ? (
        <a className={`chip ${session === 'logged-in' ? 'success' : 'error'}`} href="#/broker" data-testid="broker-tag">
          {broker.provider === 'sim' ? 'Simulated market' : session === 'logged-in' ? `Kite · ${broker.userId ?? ''}` : 'Kite · login needed'}
        </a>
      ) : null}
      {remote ? (
        <a className="chip" href="#/settings" title={`The window shows ${remote.url}; switch in Settings`} data-testid="agent-chip">
          {remote.name}
        </a>
      ) : null}
      <RiskStatus />
      <span className="num muted">{formatClock(now)}</span>
    </div>
  );
}
