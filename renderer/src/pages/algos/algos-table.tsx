/**
 * Every algo of the fleet in one table: where it runs, its task's state (with start, and stop
 * asked first), the trading state that holds it (its reason on hover), the day's P&L, money at
 * risk, open positions and today's orders. An algo that is not a task has no controls. Choosing
 * a row shows its state, log and orders below.
 */
import { CaretRightOutlined, CloudServerOutlined, DesktopOutlined, PauseOutlined } from '@ant-design/icons';
import { Badge, Button, Popconfirm, Table, Tooltip, Typography } from 'antd';
import type { ColumnType } from 'antd/es/table';
import type { TaskInfo } from '../../../../shared/task';
import { useAction } from '../../components/use-action';
import { directionOf, formatPnl, formatQuantity, formatRupees } from '../../format/numbers';
import { formatDateTime, formatDuration, formatTableTime } from '../../format/time';
import { type AlgoRow, isLive } from '../../stores/algo-rows';
import { TradingStateTag } from '../risk/algo-states';
import { STATE_BADGE } from '../fleet/tasks-panel';

export interface AlgoActions {
  start(agentId: string, id: string): Promise<void>;
  stop(agentId: string, id: string): Promise<void>;
}

/** A cell of two lines: the figure, and a small note under it. */
function Two({ top, note, testId }: { top: React.ReactNode; note?: React.ReactNode; testId?: string }) {
  return (
    <div className="two-line" data-testid={testId}>
      <div>{top}</div>
      <small className="muted">{note ?? '\u00a0'}</small>
    </div>
  );
}

function TaskCell({ row }: { row: AlgoRow }) {
  const task = row.task;
  if (!task) {
    return (
      <Tooltip title="Not a task of the fleet (run from a terminal, say): its figures are the risk manager's; it is started and stopped where it runs.">
        <span>
          <Two top={<span className="muted" data-testid={`task-state-${row.name}`}>not a task</span>} note="no controls here" />
        </span>
      </Tooltip>
    );
  }
  const note =
    task.state === 'running' ? `up ${formatDuration(task.uptimeSeconds)}` : task.state === 'waiting' ? 'restarting' : task.state === 'errored' ? 'gave up' : task.run === 0 ? 'never started' : task.lastExit ? `ended ${formatTableTime(task.lastExit.at)}` : null;
  return (
    <Tooltip title={task.reason ?? (task.startedAt ? `Run ${task.run}, started ${formatDateTime(task.startedAt)}` : undefined)}>
      <span>
        <Two top={<Badge status={STATE_BADGE[task.state]} text={<span data-testid={`task-state-${row.name}`}>{task.state}</span>} />} note={<span className="num">{note}</span>} />
      </span>
    </Tooltip>
  );
}

function Controls({ row, actions }: { row: AlgoRow; actions: AlgoActions }) {
  const { busy, act } = useAction();
  const { task, agent } = row;
  if (!task || !agent) return null;
  const where = agent.hub ? 'this computer' : agent.name;
  if (isLive(task) || task.state === 'stopping') {
    return (
      <Popconfirm
        disabled={task.state === 'stopping'}
        title={`Stop ${task.name} on ${where}?`}
        description={`It gets ${task.stopSignal}, then is killed after ${task.stopTimeoutSeconds} s.${row.figures && row.figures.openPositions > 0 ? ` Its ${formatQuantity(row.figures.openPositions)} open ${row.figures.openPositions === 1 ? 'position stays' : 'positions stay'} open.` : ''}`}
        okText="Stop"
        okButtonProps={{ danger: true }}
        onConfirm={() => act('stop', `${task.name} stopped`, () => actions.stop(agent.id, task.id))}
      >
        <Button size="small" icon={<PauseOutlined />} loading={busy === 'stop' || task.state === 'stopping'} aria-label={`Stop ${task.name}`} data-testid={`stop-${task.name}`}>
          Stop
        </Button>
      </Popconfirm>
    );
  }
  return (
    <Button size="small" type="primary" ghost icon={<CaretRightOutlined />} loading={busy === 'start'} onClick={() => act('start', `${task.name} started on ${agent.name}`, () => actions.start(agent.id, task.id))} aria-label={`Start ${task.name}`} data-testid={`start-${task.name}`}>
      Start
    </Button>
  );
}

function command(task: TaskInfo): string {
  return [task.command, ...task.args].join(' ');
}

export function AlgosTable({ rows, loading, selected, onSelect, actions }: { rows: AlgoRow[]; loading: boolean; selected: string | null; onSelect: (key: string) => void; actions: AlgoActions }) {
  const columns: Array<ColumnType<AlgoRow>> = [
    {
      title: 'Algo · agent',
      dataIndex: 'name',
      ellipsis: true,
      render: (name: string, row) => (
        <Two
          top={
            <Tooltip title={row.task ? command(row.task) : undefined} placement="topLeft">
              <Typography.Text strong data-testid={`algo-${name}`}>{name}</Typography.Text>
            </Tooltip>
          }
          note={
            row.agent ? (
              <span className="algo-agent">
                {row.agent.hub ? <DesktopOutlined /> : <CloudServerOutlined />} {row.agent.name}
                {row.task?.labels.language ? ` · ${row.task.labels.language}` : ''}
              </span>
            ) : (
              'outside the fleet'
            )
          }
        />
      ),
    },
    { title: 'Task', key: 'task', width: 124, render: (_, row) => <TaskCell row={row} /> },
    {
      title: 'Trading',
      key: 'trading',
      width: 92,
      render: (_, row) => (
        <Tooltip title={row.trading.reason ? `${row.trading.reason}${row.trading.since ? ` · since ${formatDateTime(row.trading.since)}` : ''}` : 'Orders pass the risk checks'}>
          <span>
            <TradingStateTag state={row.trading.state} testId={`trading-${row.name}`} />
          </span>
        </Tooltip>
      ),
    },
    {
      title: "Day's P&L",
      key: 'dayPnl',
      width: 104,
      align: 'right',
      render: (_, row) =>
        row.figures ? (
          <Tooltip title={`P&L ${formatPnl(row.figures.pnl)} · drawdown ${formatRupees(row.figures.drawdown)}`}>
            <span className={`num ${directionOf(Math.round(row.figures.dayPnl * 100))}`} data-testid={`pnl-${row.name}`}>
              {formatPnl(row.figures.dayPnl)}
            </span>
          </Tooltip>
        ) : (
          <span className="num muted">—</span>
        ),
    },
    { title: 'At risk', key: 'risk', width: 92, align: 'right', render: (_, row) => <span className={`num ${row.figures ? '' : 'muted'}`} data-testid={`risk-${row.name}`}>{row.figures ? formatRupees(row.figures.moneyAtRisk, 0) : '—'}</span> },
    { title: 'Positions', key: 'positions', width: 78, align: 'right', render: (_, row) => <span className={`num ${row.figures?.openPositions ? '' : 'muted'}`} data-testid={`positions-${row.name}`}>{row.figures ? formatQuantity(row.figures.openPositions) : '—'}</span> },
    {
      title: 'Orders today',
      key: 'orders',
      width: 104,
      align: 'right',
      render: (_, row) => (
        <Two
          testId={`orders-${row.name}`}
          top={<span className={`num ${row.orders.today === 0 ? 'muted' : ''}`}>{formatQuantity(row.orders.today)}</span>}
          note={
            row.orders.open + row.orders.refused > 0 ? (
              <span className="num">
                {row.orders.open > 0 ? <span className="algo-open">{formatQuantity(row.orders.open)} open</span> : null}
                {row.orders.open > 0 && row.orders.refused > 0 ? ' · ' : null}
                {row.orders.refused > 0 ? <span className="down">{formatQuantity(row.orders.refused)} refused</span> : null}
              </span>
            ) : null
          }
        />
      ),
    },
    {
      key: 'controls',
      width: 84,
      align: 'right',
      onCell: () => ({ onClick: (event) => event.stopPropagation() }),
      render: (_, row) => <Controls row={row} actions={actions} />,
    },
  ];
  return (
    <Table<AlgoRow>
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={rows}
      columns={columns}
      loading={loading}
      className="algos-table"
      rowClassName={(row) => [row.key === selected ? 'row-selected' : '', row.task?.state === 'errored' ? 'row-errored' : row.trading.state !== 'ACTIVE' ? 'row-held' : ''].join(' ')}
      onRow={(row) => ({ onClick: () => onSelect(row.key), style: { cursor: 'pointer' }, 'data-testid': `algo-row-${row.name}` }) as React.HTMLAttributes<HTMLElement>}
      locale={{ emptyText: 'No algos yet: submit one with the button above (docs/algos.md says how to write one).' }}
      data-testid="algos-table"
    />
  );
}
