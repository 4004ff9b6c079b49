/**
 * Trading states and the figures that move them, overall and per algo: the state (ACTIVE,
 * REDUCING, HALTED) with its reason and since when; money at risk, the day's P&L and the drawdown
 * from the day's peak, each against its limit where one is set; open positions. The last state
 * changes seen on the stream are listed under it.
 */
import { Button, Card, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { CaretRightOutlined, FallOutlined, StopOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { useAction } from '../../components/use-action';
import type { RiskLimits, RiskSummary, StateInfo, RiskFigures, TradingState } from '../../../../shared/risk';
import { directionOf, formatPnl, formatRupees, formatRupeesCompact } from '../../format/numbers';
import { formatDateTime, formatTableTime } from '../../format/time';
import type { RiskSlice } from '../../stores/risk-store';

const STATE_COLOUR: Record<TradingState, string> = { ACTIVE: 'success', REDUCING: 'warning', HALTED: 'error' };

export function TradingStateTag({ state, testId }: { state: TradingState; testId?: string }) {
  return (
    <Tag color={STATE_COLOUR[state]} className="state-tag" data-testid={testId} data-state={state}>
      {state}
    </Tag>
  );
}

interface Row extends StateInfo, RiskFigures {
  key: string;
  name: string;
  limits: RiskLimits;
}

function Against({ value, limit, testId }: { value: number; limit: number | undefined; testId?: string }) {
  const used = limit === undefined || limit <= 0 ? null : value / limit;
  return (
    <span className={`num ${used !== null && used >= 0.8 ? 'down' : ''}`} data-testid={testId} title={limit === undefined ? 'No limit' : `${formatRupees(value)} of ${formatRupees(limit)}`}>
      {formatRupees(value, 0)}
      {limit === undefined ? null : <small className="muted"> / {formatRupeesCompact(limit)}</small>}
    </span>
  );
}

/** What each state does, for the buttons that set it. */
const STATE_MEANS: Record<TradingState, string> = {
  ACTIVE: 'orders pass the risk checks',
  REDUCING: 'only orders that reduce a position pass',
  HALTED: 'nothing new passes; cancels still do',
};

const STATE_VERB: Record<TradingState, string> = { ACTIVE: 'Resume', REDUCING: 'Reduce only', HALTED: 'Halt' };
const STATE_ICON: Record<TradingState, ReactNode> = { ACTIVE: <CaretRightOutlined />, REDUCING: <FallOutlined />, HALTED: <StopOutlined /> };

/** Sets a row's state by hand: small icon buttons (named in their titles), each one confirm deep, naming what it does. */
function StateButtons({ row, onSet, busy }: { row: Row; onSet: (state: TradingState) => void; busy: boolean }) {
  const who = row.key === 'global' ? 'every algo' : row.name;
  const moves = (['ACTIVE', 'REDUCING', 'HALTED'] as const).filter((state) => state !== row.state);
  return (
    <Space size={0}>
      {moves.map((state) => (
        <Popconfirm key={state} title={`${STATE_VERB[state]} ${who}?`} description={`${who === 'every algo' ? 'For every algo' : `For ${who}`}: ${STATE_MEANS[state]}.`} okText="Yes" okButtonProps={{ danger: state === 'HALTED' }} onConfirm={() => onSet(state)}>
          <Button size="small" type="text" danger={state === 'HALTED'} loading={busy} icon={STATE_ICON[state]} title={`${STATE_VERB[state]}…`} aria-label={STATE_VERB[state]} data-testid={`set-${row.key}-${state}`} />
        </Popconfirm>
      ))}
    </Space>
  );
}

export function AlgoStatesCard({ summary, changes, setState }: { summary: RiskSummary | null; changes: RiskSlice['changes']; setState: RiskSlice['setTradingState'] }) {
  const { busy, act } = useAction();
  const rows: Row[] = summary
    ? [
        { key: 'global', name: 'All algos', ...summary.state, ...summary.totals, limits: summary.limits.global },
        ...Object.entries(summary.algos)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, algo]) => ({ key: `algo:${name}`, name, ...algo, limits: summary.limits.algos[name] ?? {} })),
      ]
    : [];
  const columns = [
    { title: 'Algo', dataIndex: 'name', width: 110, render: (name: string, row: Row) => (row.key === 'global' ? <Typography.Text strong>{name}</Typography.Text> : name) },
    {
      title: 'State',
      dataIndex: 'state',
      width: 96,
      render: (state: TradingState, row: Row) => <TradingStateTag state={state} testId={`state-${row.key}`} />,
    },
    {
      title: 'Reason · since (IST)',
      dataIndex: 'reason',
      ellipsis: true,
      render: (reason: string | null, row: Row) => {
        // An algo never moved has no "since" worth showing (the agent says the epoch).
        const since = Date.parse(row.since) > 0 ? row.since : null;
        return (
          <Tooltip title={reason === null ? undefined : `${reason}${since ? ` · since ${formatDateTime(since)}` : ''}`}>
            <span className={reason ? '' : 'muted'} data-testid={`reason-${row.key}`}>
              {reason ?? (since ? 'since' : '—')}
            </span>
            {since ? <span className="muted num"> {reason ? '· ' : ''}{formatTableTime(since)}</span> : null}
          </Tooltip>
        );
      },
    },
    { title: 'At risk', dataIndex: 'moneyAtRisk', width: 120, align: 'right' as const, render: (value: number, row: Row) => <Against value={value} limit={row.limits.maxRisk} /> },
    {
      title: "Day's P&L",
      dataIndex: 'dayPnl',
      width: 120,
      align: 'right' as const,
      render: (value: number, row: Row) => (
        <span title={row.limits.maxDailyLoss === undefined ? 'No daily loss limit' : `Daily loss limit ${formatRupees(row.limits.maxDailyLoss)}`}>
          <span className={`num ${directionOf(Math.round(value * 100))}`}>{formatPnl(value, 0)}</span>
          {row.limits.maxDailyLoss === undefined ? null : <small className="muted num"> / -{formatRupeesCompact(row.limits.maxDailyLoss)}</small>}
        </span>
      ),
    },
    { title: 'Drawdown', dataIndex: 'drawdown', width: 120, align: 'right' as const, render: (value: number, row: Row) => <Against value={value} limit={row.limits.maxDrawdown} testId={`drawdown-${row.key}`} /> },
    { title: 'Open', dataIndex: 'openPositions', width: 60, align: 'right' as const, render: (value: number) => <span className="num">{value}</span> },
    {
      title: '',
      key: 'set',
      width: 64,
      align: 'right' as const,
      render: (_: unknown, row: Row) =>
        row.key === 'global' && summary?.state.killSwitch ? (
          <Tooltip title="The kill switch holds everything: release it to trade again">
            <span className="muted">
              <StopOutlined />
            </span>
          </Tooltip>
        ) : (
          <StateButtons row={row} busy={busy === row.key} onSet={(state) => void act(row.key, `${row.name}: ${state}`, () => setState({ scope: row.key === 'global' ? 'global' : row.name, state }))} />
        ),
    },
  ];
  return (
    <Card size="small" title="Trading states, P&L and drawdown" style={{ marginBottom: 10 }} data-testid="trading-states">
      <Table<Row> size="small" rowKey="key" pagination={false} dataSource={rows} columns={columns} loading={!summary} rowClassName={(row) => (row.key === 'global' ? 'row-total' : row.state === 'ACTIVE' ? '' : 'row-held')} />
      {changes.length > 0 ? (
        <div className="state-changes" data-testid="state-changes">
          {changes.slice(0, 5).map((change) => (
            <div key={`${change.at}:${change.scope}:${change.to}`}>
              <span className="num muted">{formatTableTime(change.at)}</span> <b>{change.scope === 'global' ? 'All algos' : change.scope}</b> {change.from} → <TradingStateTag state={change.to} /> <span className="muted">{change.reason}</span>
            </div>
          ))}
        </div>
      ) : null}
    </Card>
  );
}
