/**
 * Money at risk by algo, segregated by instrument: a heat map (algos down, instruments across,
 * each cell coloured by its amount against the largest), with each algo's total against its
 * limit and each instrument's total across algos against its own; or the same cells as a table,
 * largest first. Figures are the agent's (money at risk includes orders in flight).
 */
import { Card, Segmented, Table, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import type { RiskSummary } from '../../../../shared/risk';
import { formatRupees, formatRupeesCompact } from '../../format/numbers';
import { InstrumentName } from '../orders/order-cells';

interface Cell {
  key: string;
  algo: string;
  instrument: string;
  amount: number;
}

/** Rows and columns in order of money at risk (largest first), and the largest cell. */
export function heatMapOf(summary: Pick<RiskSummary, 'moneyAtRisk' | 'instruments'>) {
  const algos = Object.entries(summary.moneyAtRisk)
    .map(([algo, cells]) => ({ algo, total: Object.values(cells).reduce((sum, amount) => sum + amount, 0) }))
    .sort((a, b) => b.total - a.total || a.algo.localeCompare(b.algo));
  const instruments = Object.entries(summary.instruments)
    .map(([instrument, total]) => ({ instrument, total }))
    .sort((a, b) => b.total - a.total || a.instrument.localeCompare(b.instrument));
  const max = Math.max(0, ...Object.values(summary.moneyAtRisk).flatMap((cells) => Object.values(cells)));
  return { algos, instruments, max };
}

/** The cell's colour: the risk colour mixed in by its share of the largest cell (none for nothing). */
function heat(amount: number, max: number): React.CSSProperties | undefined {
  if (!(amount > 0) || !(max > 0)) return undefined;
  const share = Math.round(12 + 63 * (amount / max));
  return { background: `color-mix(in srgb, var(--down) ${share}%, transparent)` };
}

const ofLimit = (amount: number, limit: number | undefined) => (limit === undefined ? '' : ` of ${formatRupeesCompact(limit)} (${Math.round((amount / limit) * 100)} %)`);

function HeatMap({ summary }: { summary: RiskSummary }) {
  const { algos, instruments, max } = useMemo(() => heatMapOf(summary), [summary]);
  const limits = summary.limits;
  return (
    <div className="heatmap-wrap">
      <table className="heatmap" data-testid="risk-heatmap">
        <thead>
          <tr>
            <th className="corner">Algo \ instrument</th>
            {instruments.map(({ instrument }) => (
              <th key={instrument}>
                <InstrumentName id={instrument} />
              </th>
            ))}
            <th className="total">Algo total</th>
          </tr>
        </thead>
        <tbody>
          {algos.map(({ algo, total }) => (
            <tr key={algo} data-algo={algo}>
              <th>{algo}</th>
              {instruments.map(({ instrument }) => {
                const amount = summary.moneyAtRisk[algo]?.[instrument] ?? 0;
                return (
                  <td key={instrument} style={heat(amount, max)} title={`${algo} in ${instrument}: ${formatRupees(amount)}`} data-instrument={instrument} className={amount > 0 ? 'num' : 'num nil'}>
                    {amount > 0 ? formatRupeesCompact(amount) : '·'}
                  </td>
                );
              })}
              <td className="num total" title={`${formatRupees(total)}${ofLimit(total, limits.algos[algo]?.maxRisk)}`}>
                {formatRupeesCompact(total)}
                {limits.algos[algo]?.maxRisk !== undefined ? <small> / {formatRupeesCompact(limits.algos[algo]!.maxRisk)}</small> : null}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>Across algos</th>
            {instruments.map(({ instrument, total }) => (
              <td key={instrument} className="num total" title={`${formatRupees(total)}${ofLimit(total, limits.instruments[instrument]?.maxRisk)}`}>
                {formatRupeesCompact(total)}
                {limits.instruments[instrument]?.maxRisk !== undefined ? <small> / {formatRupeesCompact(limits.instruments[instrument]!.maxRisk)}</small> : null}
              </td>
            ))}
            <td className="num total grand" title={`${formatRupees(summary.totals.moneyAtRisk)}${ofLimit(summary.totals.moneyAtRisk, limits.global.maxRisk)}`} data-testid="heatmap-total">
              {formatRupeesCompact(summary.totals.moneyAtRisk)}
              {limits.global.maxRisk !== undefined ? <small> / {formatRupeesCompact(limits.global.maxRisk)}</small> : null}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function CellTable({ summary }: { summary: RiskSummary }) {
  const cells = useMemo<Cell[]>(
    () =>
      Object.entries(summary.moneyAtRisk)
        .flatMap(([algo, byInstrument]) => Object.entries(byInstrument).map(([instrument, amount]) => ({ key: `${algo}\u0000${instrument}`, algo, instrument, amount })))
        .sort((a, b) => b.amount - a.amount),
    [summary],
  );
  const total = summary.totals.moneyAtRisk;
  const share = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '—');
  return (
    <Table<Cell>
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={cells}
      scroll={cells.length > 12 ? { y: 330 } : undefined}
      data-testid="risk-cells"
      columns={[
        { title: 'Algo', dataIndex: 'algo', width: 120 },
        { title: 'Instrument', dataIndex: 'instrument', render: (id: string) => <InstrumentName id={id} /> },
        { title: 'Money at risk', dataIndex: 'amount', width: 130, align: 'right', render: (amount: number) => <span className="num">{formatRupees(amount)}</span> },
        { title: 'Of the algo', key: 'algo-share', width: 100, align: 'right', render: (_: unknown, cell: Cell) => <span className="num muted">{share(cell.amount, summary.algos[cell.algo]?.moneyAtRisk ?? 0)}</span> },
        { title: 'Of the instrument', key: 'instrument-share', width: 120, align: 'right', render: (_: unknown, cell: Cell) => <span className="num muted">{share(cell.amount, summary.instruments[cell.instrument] ?? 0)}</span> },
        { title: 'Of all', key: 'share', width: 80, align: 'right', render: (_: unknown, cell: Cell) => <span className="num muted">{share(cell.amount, total)}</span> },
      ]}
    />
  );
}

export function RiskByAlgoCard({ summary }: { summary: RiskSummary | null }) {
  const [view, setView] = useState<'map' | 'table'>('map');
  const empty = !summary || Object.keys(summary.moneyAtRisk).length === 0;
  return (
    <Card
      size="small"
      title={
        <Tooltip title="Quantity × the distance from the last price to the stop (no stop: a share of the value), plus orders in flight that would open or grow a position">
          <span>Money at risk by algo and instrument</span>
        </Tooltip>
      }
      extra={<Segmented size="small" value={view} onChange={setView} options={[{ value: 'map', label: 'Heat map' }, { value: 'table', label: 'Table' }]} data-testid="risk-view" />}
      style={{ marginBottom: 10 }}
      data-testid="risk-by-algo"
    >
      {empty ? (
        <Typography.Text type="secondary">Nothing at risk: no algo holds a position or has an order in flight. Positions and orders appear here by algo and instrument.</Typography.Text>
      ) : view === 'map' ? (
        <HeatMap summary={summary} />
      ) : (
        <CellTable summary={summary} />
      )}
    </Card>
  );
}
