/**
 * Positions per algo, marked by live prices: each row's last price, unrealised and P&L follow its
 * own instrument's ticks (once a frame at most, that row only); realised P&L and money at risk are
 * the agent's, polled. Totals follow every position's ticks, also once a frame. Exit opens the
 * ticket with the opposite side and the position's size, for the same algo.
 */
import { LogoutOutlined } from '@ant-design/icons';
import { Button, Card, Space, Table, Tooltip, Typography } from 'antd';
import { memo, useMemo, useSyncExternalStore } from 'react';
import type { PositionInfo } from '../../../../shared/risk';
import { useDeck, useSlice } from '../../app/deck';
import { decimalsOf, directionOf, formatPnl, formatPrice, formatQuantity, formatRupees } from '../../format/numbers';
import type { LiveFeed } from '../../live/live-feed';
import { useQuote, useWant } from '../../live/use-live';
import { markPosition } from '../../stores/orders-store';
import { InstrumentName } from './order-cells';

type Row = PositionInfo & { key: string; span: number };

/** One live figure of a position: its own instrument's ticks redraw it, nothing else does. */
const LiveMark = memo(function LiveMark({ feed, position, field, decimals }: { feed: LiveFeed; position: PositionInfo; field: 'lastPrice' | 'unrealised' | 'pnl'; decimals: number }) {
  const { tick, stale } = useQuote(feed, position.instrument);
  const marked = markPosition(position, tick?.lastPrice);
  if (field === 'lastPrice') return <span className={`num${stale ? ' stale' : ''}`}>{marked.lastPrice === null ? '—' : formatPrice(marked.lastPrice, decimals)}</span>;
  const value = marked[field];
  return (
    <span className={`num ${directionOf(Math.round(value * 100))}${stale ? ' stale' : ''}`} data-testid={field === 'pnl' ? `pnl-${position.algo}-${position.instrument}` : undefined}>
      {formatPnl(value)}
    </span>
  );
});

/** The sums over every position, marked by live prices: redrawn in a frame where one of their prices moved. */
function useTotals(feed: LiveFeed, positions: readonly PositionInfo[]) {
  const source = useMemo(() => {
    const ids = new Set(positions.map((position) => position.instrument));
    let version = 0;
    return {
      subscribe: (listener: () => void) =>
        feed.prices.onFrame((changed) => {
          for (const id of changed) {
            if (!ids.has(id)) continue;
            version++;
            return listener();
          }
        }),
      version: () => version,
    };
  }, [feed, positions]);
  useSyncExternalStore(source.subscribe, source.version);
  let pnl = 0;
  let unrealised = 0;
  for (const position of positions) {
    const marked = markPosition(position, feed.prices.get(position.instrument)?.lastPrice);
    pnl += marked.pnl;
    unrealised += marked.unrealised;
  }
  return { pnl, unrealised };
}

function Figure({ label, value, tone, testId }: { label: string; value: string; tone?: 'up' | 'down' | 'flat'; testId?: string }) {
  return (
    <span className="card-figure">
      <span className="muted">{label}</span> <b className={`num ${tone ?? ''}`} data-testid={testId}>{value}</b>
    </span>
  );
}

export function PositionsCard({ positions, error }: { positions: PositionInfo[] | null; error: string | null }) {
  const deck = useDeck();
  const known = useSlice(deck.watchlists, (slice) => slice.instruments);
  const held = useMemo(() => [...new Set((positions ?? []).map((position) => position.instrument))], [positions]);
  useWant(deck.feed, held);
  const rows = useMemo<Row[]>(() => {
    const sorted = [...(positions ?? [])].sort((a, b) => a.algo.localeCompare(b.algo) || Number(b.quantity !== 0) - Number(a.quantity !== 0) || a.instrument.localeCompare(b.instrument));
    return sorted.map((position, i) => ({
      ...position,
      key: `${position.algo}\u0000${position.instrument}`,
      // The algo's cell spans its rows: positions read grouped by algo.
      span: i > 0 && sorted[i - 1]!.algo === position.algo ? 0 : sorted.filter((other) => other.algo === position.algo).length,
    }));
  }, [positions]);
  const totals = useTotals(deck.feed, positions ?? []);
  const realised = (positions ?? []).reduce((sum, position) => sum + position.realised, 0);
  const atRisk = (positions ?? []).reduce((sum, position) => sum + position.moneyAtRisk, 0);
  const open = (positions ?? []).filter((position) => position.quantity !== 0).length;
  const decimals = (id: string) => decimalsOf(known[id]?.tickSize);

  const columns = [
    {
      title: 'Algo',
      dataIndex: 'algo',
      width: 110,
      onCell: (row: Row) => ({ rowSpan: row.span }),
      render: (algo: string) => (
        <Typography.Text strong ellipsis={{ tooltip: algo }} style={{ maxWidth: 98 }}>
          {algo}
        </Typography.Text>
      ),
    },
    { title: 'Instrument', dataIndex: 'instrument', render: (id: string) => <InstrumentName id={id} /> },
    {
      title: 'Qty',
      dataIndex: 'quantity',
      width: 70,
      align: 'right' as const,
      render: (quantity: number) => <span className={`num ${quantity === 0 ? 'muted' : quantity > 0 ? 'long' : 'short'}`}>{quantity > 0 ? `+${formatQuantity(quantity)}` : formatQuantity(quantity)}</span>,
    },
    { title: 'Avg.', dataIndex: 'averagePrice', width: 84, align: 'right' as const, render: (price: number, row: Row) => <span className="num">{row.quantity === 0 ? '—' : formatPrice(price, decimals(row.instrument))}</span> },
    { title: 'LTP', key: 'ltp', width: 84, align: 'right' as const, render: (_: unknown, row: Row) => <LiveMark feed={deck.feed} position={row} field="lastPrice" decimals={decimals(row.instrument)} /> },
    { title: 'Unrealised', key: 'unrealised', width: 100, align: 'right' as const, render: (_: unknown, row: Row) => <LiveMark feed={deck.feed} position={row} field="unrealised" decimals={2} /> },
    { title: 'Realised', dataIndex: 'realised', width: 96, align: 'right' as const, render: (value: number) => <span className={`num ${directionOf(Math.round(value * 100))}`}>{formatPnl(value)}</span> },
    { title: 'P&L', key: 'pnl', width: 104, align: 'right' as const, render: (_: unknown, row: Row) => <LiveMark feed={deck.feed} position={row} field="pnl" decimals={2} /> },
    { title: 'Stop', dataIndex: 'stopLoss', width: 80, align: 'right' as const, render: (stop: number | null, row: Row) => <span className="num muted">{stop === null ? '—' : formatPrice(stop, decimals(row.instrument))}</span> },
    {
      title: <Tooltip title="Quantity × the distance from the last price to the stop (no stop: a share of the value), with orders in flight; the agent's figure">At risk</Tooltip>,
      dataIndex: 'moneyAtRisk',
      width: 96,
      align: 'right' as const,
      render: (value: number, row: Row) => (
        <span className={`num ${value > 0 ? '' : 'muted'}`} data-testid={`at-risk-${row.algo}-${row.instrument}`}>
          {formatRupees(value, 0)}
        </span>
      ),
    },
    {
      key: 'exit',
      width: 56,
      render: (_: unknown, row: Row) =>
        row.quantity === 0 ? null : (
          <Tooltip title={`Open the ticket to ${row.quantity > 0 ? 'sell' : 'buy'} ${formatQuantity(Math.abs(row.quantity))} for ${row.algo}`}>
            <Button
              size="small"
              type="text"
              icon={<LogoutOutlined />}
              aria-label={`Exit ${row.instrument} of ${row.algo}`}
              onClick={() => deck.orders.getState().openTicket({ side: row.quantity > 0 ? 'SELL' : 'BUY', instrument: row.instrument, quantity: Math.abs(row.quantity), algo: row.algo })}
            >
              Exit
            </Button>
          </Tooltip>
        ),
    },
  ];

  return (
    <Card
      size="small"
      title={
        <Space size={8}>
          <span>Positions</span>
          <Typography.Text type="secondary" style={{ fontWeight: 400 }}>
            {positions ? `${open} open · ${positions.length - open} closed today` : ''}
          </Typography.Text>
        </Space>
      }
      extra={
        <Space size={14} className="card-figures" data-testid="positions-totals">
          <Figure label="P&L" value={formatPnl(totals.pnl)} tone={directionOf(Math.round(totals.pnl * 100))} testId="positions-pnl" />
          <Figure label="Realised" value={formatPnl(realised)} tone={directionOf(Math.round(realised * 100))} />
          <Figure label="Unrealised" value={formatPnl(totals.unrealised)} tone={directionOf(Math.round(totals.unrealised * 100))} />
          <Figure label="At risk" value={formatRupees(atRisk, 0)} />
        </Space>
      }
      style={{ marginBottom: 10 }}
      data-testid="positions"
    >
      {error ? <Typography.Text type="danger">The positions could not be read: {error}</Typography.Text> : null}
      <Table<Row>
        size="small"
        rowKey="key"
        pagination={false}
        dataSource={rows}
        columns={columns}
        loading={positions === null && !error}
        rowClassName={(row) => (row.quantity === 0 ? 'row-closed' : '')}
        locale={{ emptyText: 'No positions yet: a filled order opens one, per algo and instrument.' }}
        data-testid="positions-table"
      />
    </Card>
  );
}
