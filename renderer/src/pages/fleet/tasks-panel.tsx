/**
 * The tasks of one agent: state, process, uptime, restarts, CPU and memory summed over each
 * task's process tree, how it last ended; start, stop, restart and remove, each answered by the
 * agent (or its error, shown as it is). Choosing a row shows its logs.
 */
import { CaretRightOutlined, DeleteOutlined, PauseOutlined, ReloadOutlined } from '@ant-design/icons';
import { Badge, Button, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TaskInfo, TaskState } from '../../../../shared/task';
import { formatMegabytes } from '../../format/numbers';
import { formatDuration } from '../../format/time';
import { useAction } from '../../components/use-action';

export const STATE_BADGE: Record<TaskState, 'success' | 'processing' | 'warning' | 'error' | 'default'> = {
  running: 'success',
  starting: 'processing',
  stopping: 'processing',
  waiting: 'warning',
  stopped: 'default',
  exited: 'default',
  errored: 'error',
};

export interface TaskActions {
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

function lastExit(task: TaskInfo): string {
  if (!task.lastExit) return '—';
  return task.lastExit.signal ? task.lastExit.signal : `code ${task.lastExit.code}`;
}

export function TasksPanel({ tasks, actions, selected, onSelect, agentName }: { tasks: TaskInfo[]; actions: TaskActions; selected: string | null; onSelect: (id: string) => void; agentName: string }) {
  const { busy, act } = useAction();

  const live = (task: TaskInfo) => task.state === 'running' || task.state === 'starting' || task.state === 'waiting';
  const columns = [
    {
      title: 'Algo',
      dataIndex: 'name',
      render: (name: string, task: TaskInfo) => (
        <Space size={4} direction="vertical" style={{ rowGap: 0 }}>
          <Typography.Text strong>{name}</Typography.Text>
          <Typography.Text type="secondary" className="mono" style={{ fontSize: 11 }} ellipsis={{ tooltip: [task.command, ...task.args].join(' ') }}>
            {[task.command, ...task.args].join(' ')}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: 'State',
      dataIndex: 'state',
      width: 130,
      render: (state: TaskState, task: TaskInfo) => (
        <Tooltip title={task.reason ?? undefined}>
          <Badge status={STATE_BADGE[state]} text={<span data-testid={`task-state-${task.name}`}>{state}</span>} />
        </Tooltip>
      ),
    },
    { title: 'PID', dataIndex: 'pid', width: 70, align: 'right' as const, render: (pid: number | null) => <span className="num">{pid ?? '—'}</span> },
    { title: 'Uptime', dataIndex: 'uptimeSeconds', width: 96, align: 'right' as const, render: (s: number | null) => <span className="num">{formatDuration(s)}</span> },
    { title: 'Restarts', dataIndex: 'restarts', width: 76, align: 'right' as const, render: (n: number) => <span className={`num ${n > 0 ? 'down' : ''}`}>{n}</span> },
    { title: 'CPU', dataIndex: 'cpuPercent', width: 70, align: 'right' as const, render: (p: number | null) => <span className="num">{p === null ? '—' : `${p.toFixed(1)}%`}</span> },
    {
      title: 'Memory',
      dataIndex: 'rssMb',
      width: 96,
      align: 'right' as const,
      render: (mb: number | null, task: TaskInfo) => (
        <Tooltip title={task.processes && task.processes > 1 ? `${task.processes} processes` : undefined}>
          <span className="num">{formatMegabytes(mb)}</span>
        </Tooltip>
      ),
    },
    { title: 'Last exit', key: 'exit', width: 86, render: (_: unknown, task: TaskInfo) => <span className="num">{lastExit(task)}</span> },
    {
      key: 'actions',
      width: 128,
      render: (_: unknown, task: TaskInfo) => (
        <Space size={2} onClick={(event) => event.stopPropagation()}>
          {live(task) ? (
            <Popconfirm title={`Stop ${task.name}?`} description={`It gets ${task.stopSignal}, then is killed after ${task.stopTimeoutSeconds} s.`} okText="Stop" okButtonProps={{ danger: true }} onConfirm={() => act(`stop:${task.id}`, `${task.name} stopped`, () => actions.stop(task.id))}>
              <Button size="small" type="text" icon={<PauseOutlined />} loading={busy === `stop:${task.id}`} aria-label={`Stop ${task.name}`} data-testid={`stop-${task.name}`} />
            </Popconfirm>
          ) : (
            <Tooltip title="Start">
              <Button size="small" type="text" icon={<CaretRightOutlined />} loading={busy === `start:${task.id}`} onClick={() => act(`start:${task.id}`, `${task.name} started on ${agentName}`, () => actions.start(task.id))} aria-label={`Start ${task.name}`} data-testid={`start-${task.name}`} />
            </Tooltip>
          )}
          <Tooltip title="Restart">
            <Button size="small" type="text" icon={<ReloadOutlined />} loading={busy === `restart:${task.id}`} onClick={() => act(`restart:${task.id}`, `${task.name} restarted`, () => actions.restart(task.id))} aria-label={`Restart ${task.name}`} />
          </Tooltip>
          <Popconfirm title={`Remove ${task.name}?`} description="It is stopped, and its files, runs and logs are deleted." okText="Remove" okButtonProps={{ danger: true }} onConfirm={() => act(`remove:${task.id}`, `${task.name} removed`, () => actions.remove(task.id))}>
            <Button size="small" type="text" danger icon={<DeleteOutlined />} loading={busy === `remove:${task.id}`} aria-label={`Remove ${task.name}`} />
          </Popconfirm>
        </Space>
      ),
    },
  ];
  return (
    <Table<TaskInfo>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={tasks}
      columns={columns}
      rowClassName={(task) => (task.id === selected ? 'row-selected' : task.state === 'errored' ? 'row-errored' : '')}
      onRow={(task) => ({ onClick: () => onSelect(task.id), style: { cursor: 'pointer' } })}
      locale={{ emptyText: <Tag bordered={false}>No algos on this agent yet: submit one with the button above.</Tag> }}
      data-testid="tasks-table"
    />
  );
}
