/** The top bar's right side: the stream's state, the tick rate, the broker session, the IST clock. */
import { Badge, Space, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { formatClock } from '../format/time';
import { useStreamState } from '../live/use-live';
import { useDeck, useSlice } from './deck';
import { navigate } from './router';

const STREAM_BADGE = { open: 'success', connecting: 'processing', reconnecting: 'warning', closed: 'error' } as const;
const STREAM_TEXT = { open: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', closed: 'Offline' } as const;

export function StatusBar() {
  const deck = useDeck();
  const { state, detail } = useStreamState(deck.feed);
  const rate = useSlice(deck.ticker, (slice) => slice.ticker?.ticksPerSecond);
  const tickerState = useSlice(deck.ticker, (slice) => slice.ticker?.state);
  const stale = useSlice(deck.ticker, (slice) => slice.ticker?.stale.length ?? 0);
  const broker = useSlice(deck.broker, (slice) => slice.broker);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => deck.broker.getState().watch(), [deck]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const session = broker?.session;
  return (
    <Space size={14} style={{ whiteSpace: 'nowrap' }} data-testid="status-bar">
      <Tooltip title={detail ?? 'The live stream from the agent'}>
        <span data-testid="stream-state" data-state={state}>
          <Badge status={STREAM_BADGE[state]} text={STREAM_TEXT[state]} />
        </span>
      </Tooltip>
      <Tooltip title="Ticks per second across the ticker's workers">
        <Typography.Text className="num" type="secondary">
          {tickerState === 'needs-login' ? 'waiting for login' : state !== 'open' || rate === undefined ? '— ticks/s' : `${Math.round(rate).toLocaleString('en-IN')} ticks/s`}
        </Typography.Text>
      </Tooltip>
      {stale > 0 ? (
        <Tag color="warning" style={{ cursor: 'pointer' }} onClick={() => navigate('/ticker')}>
          {stale} stale
        </Tag>
      ) : null}
      {broker ? (
        <Tag
          color={session === 'logged-in' ? 'success' : 'error'}
          style={{ cursor: 'pointer', marginInlineEnd: 0 }}
          onClick={() => navigate('/broker')}
          data-testid="broker-tag"
        >
          {broker.provider === 'sim' ? 'Simulated market' : session === 'logged-in' ? `Kite · ${broker.userId ?? ''}` : 'Kite · login needed'}
        </Tag>
      ) : null}
      <Typography.Text className="num" type="secondary">
        {formatClock(now)}
      </Typography.Text>
    </Space>
  );
}
