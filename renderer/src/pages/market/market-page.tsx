/**
 * Market watch's work area (the watchlist is the column beside it): the selected instrument's
 * live header, a candle chart with interval switching, and its market depth.
 */
import { Card, Empty, Segmented, Space, Statistic, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import type { CandleInterval } from '../../../../shared/candle';
import { CandleChart, type ChartState } from '../../components/candle-chart';
import { useChartColours } from '../../components/chart-colours';
import { useDeck, useSlice } from '../../app/deck';
import { useLocation } from '../../app/router';
import { decimalsOf, directionOf, formatChange, formatPrice } from '../../format/numbers';
import { formatAge, formatClock } from '../../format/time';
import { useQuote, useStreamState, useWant } from '../../live/use-live';
import { activeList } from '../../stores/watchlist-store';
import { DepthPanel } from './depth-panel';

export const INTERVALS: Array<{ value: CandleInterval; label: string }> = [
  { value: 'minute', label: '1m' },
  { value: '3minute', label: '3m' },
  { value: '5minute', label: '5m' },
  { value: '15minute', label: '15m' },
  { value: '30minute', label: '30m' },
  { value: '60minute', label: '1h' },
  { value: 'day', label: '1D' },
];

export function MarketPage() {
  const deck = useDeck();
  const location = useLocation();
  const selected = useSlice(deck.watchlists, (slice) => slice.selected);
  const first = useSlice(deck.watchlists, (slice) => activeList(slice)?.instruments[0]);
  const instrument = location.query.get('i') ?? selected ?? first ?? null;
  const [interval, setInterval] = useState<CandleInterval>('5minute');
  const colours = useChartColours();
  const [chart, setChart] = useState<ChartState | null>(null);

  useEffect(() => {
    if (instrument && instrument !== deck.watchlists.getState().selected) deck.watchlists.getState().select(instrument);
  }, [deck, instrument]);

  if (!instrument) {
    return (
      <div className="page">
        <Empty style={{ marginTop: 96 }} description="Pick an instrument in the watchlist to chart it (↑/↓, then C)." />
      </div>
    );
  }
  return (
    <div className="page" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
      <Header instrument={instrument} />
      <div style={{ display: 'flex', gap: 10, flex: 1, minHeight: 0 }}>
        <Card
          size="small"
          style={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}
          styles={{ body: { padding: 8, flex: 1, minHeight: 0 } }}
          title={
            <Space>
              <Segmented<CandleInterval> size="small" value={interval} onChange={setInterval} options={INTERVALS} data-testid="interval" />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {chart?.loading ? 'Loading history…' : `${chart?.bars ?? 0} bars · times in IST`}
              </Typography.Text>
            </Space>
          }
          extra={chart?.warning ? <Tag color="warning">{chart.warning}</Tag> : chart?.error ? <Tag color="error">{chart.error.message}</Tag> : null}
        >
          <CandleChart agent={deck.agent} instrument={instrument} interval={interval} colours={colours} onState={setChart} />
        </Card>
        <DepthPanel instrument={instrument} />
      </div>
    </div>
  );
}

function Header(props: { instrument: string }) {
  const deck = useDeck();
  useWant(deck.feed, [props.instrument]);
  const { tick, stale } = useQuote(deck.feed, props.instrument);
  const meta = useSlice(deck.watchlists, (slice) => slice.instruments[props.instrument]);
  const decimals = decimalsOf(meta?.tickSize);
  const direction = directionOf(tick?.change);
  const age = deck.feed.prices.ageMs(props.instrument);
  const connected = useStreamState(deck.feed).state === 'open';
  return (
    <Card size="small" styles={{ body: { padding: '8px 12px' } }} data-testid="instrument-header">
      <Space size={28} wrap align="center">
        <div>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {meta?.tradingsymbol ?? props.instrument.split(':')[1]} <Tag>{meta?.exchange ?? props.instrument.split(':')[0]}</Tag>
            {meta && !meta.tradable ? <Tag color="purple">INDEX</Tag> : null}
          </Typography.Title>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {meta?.name ?? props.instrument}
          </Typography.Text>
        </div>
        <Statistic
          title={!connected ? 'Last price · stale (disconnected)' : stale ? `Last price · stale, last tick ${formatAge(age)}` : 'Last price'}
          value={formatPrice(tick?.lastPrice, decimals)}
          valueStyle={{ fontVariantNumeric: 'tabular-nums', opacity: stale ? 0.45 : 1 }}
          className={direction}
          suffix={<span className={`num ${direction}`} style={{ fontSize: 14 }}>{formatChange(tick?.change)}</span>}
        />
        {(['open', 'high', 'low', 'close'] as const).map((field) => (
          <Statistic key={field} title={field === 'close' ? 'Prev. close' : field[0]!.toUpperCase() + field.slice(1)} value={formatPrice(tick?.ohlc?.[field], decimals)} valueStyle={{ fontSize: 15, fontVariantNumeric: 'tabular-nums' }} />
        ))}
        <Statistic title="Last trade" value={formatClock(tick?.lastTradeTime ?? tick?.timestamp)} valueStyle={{ fontSize: 15, fontVariantNumeric: 'tabular-nums' }} />
      </Space>
    </Card>
  );
}
