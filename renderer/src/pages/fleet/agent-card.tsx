/**
 * One agent of the fleet at a glance: name, hub or member, online or since when offline, its
 * tasks, and live sparklines of CPU, memory, disk and network. Clicking it shows its tasks.
 */
import { CloudServerOutlined, DesktopOutlined } from '@ant-design/icons';
import { Badge, Card, Space, Tag, Tooltip, Typography } from 'antd';
import { memo } from 'react';
import type { AgentWithHistory } from '../../../../shared/fleet';
import { Sparkline } from '../../components/sparkline';
import { formatByteRate, formatMegabytes } from '../../format/numbers';
import { formatAge, formatDuration } from '../../format/time';

function Meter(props: { label: string; value: string; values: readonly number[] | undefined; max?: number; colour?: string; testId?: string }) {
  return (
    <div className="meter" data-testid={props.testId}>
      <div className="meter-head">
        <span className="meter-label">{props.label}</span>
        <span className="num">{props.value}</span>
      </div>
      <Sparkline values={props.values ?? []} width={132} height={26} {...(props.max === undefined ? {} : { max: props.max })} {...(props.colour ? { colour: props.colour } : {})} label={`${props.label} over the last minutes`} />
    </div>
  );
}

export const AgentCard = memo(function AgentCard({ agent, selected, onSelect, now }: { agent: AgentWithHistory; selected: boolean; onSelect: (id: string) => void; now: number }) {
  const online = agent.status === 'online';
  const system = agent.system;
  const history = agent.history;
  const tasks = agent.tasks;
  return (
    <Card
      size="small"
      hoverable
      className={`agent-card${selected ? ' agent-card-selected' : ''}${online ? '' : ' agent-card-offline'}`}
      onClick={() => onSelect(agent.id)}
      data-testid={`agent-${agent.name}`}
      title={
        <Space size={6}>
          {agent.hub ? <DesktopOutlined /> : <CloudServerOutlined />}
          <Typography.Text strong>{agent.name}</Typography.Text>
          {agent.hub ? <Tag color="blue">hub</Tag> : null}
        </Space>
      }
      extra={
        <Tooltip title={online ? `Up ${formatDuration(system?.uptimeSeconds)} · agent ${agent.version ?? ''}` : (agent.reason ?? 'offline')}>
          <Badge status={online ? 'success' : 'error'} text={<span data-testid={`agent-status-${agent.name}`}>{online ? 'online' : `offline · ${formatAge(agent.lastSeen ? now - Date.parse(agent.lastSeen) : null)}`}</span>} />
        </Tooltip>
      }
    >
      <div className="agent-card-tasks">
        <span data-testid={`agent-algos-${agent.name}`}>
          {!online ? (
            'Algos unknown while it is offline'
          ) : tasks.total === 0 ? (
            'No algos yet'
          ) : (
            <>
              <b className="num">{tasks.running}</b> of <span className="num">{tasks.total}</span> {tasks.total === 1 ? 'algo' : 'algos'} running
            </>
          )}
        </span>
        {tasks.errored > 0 ? <Tag color="error">{tasks.errored} errored</Tag> : null}
        {Object.entries(agent.labels).map(([key, value]) => (
          <Tag key={key} bordered={false}>
            {key}={value}
          </Tag>
        ))}
      </div>
      {system ? (
        <div className="meters">
          <Meter testId={`cpu-${agent.name}`} label={`CPU · ${system.cpu.cores} cores`} value={`${system.cpu.percent.toFixed(0)}%`} values={history?.cpuPercent} max={100} />
          <Meter label="Memory" value={`${formatMegabytes(system.memory.usedMb)} / ${formatMegabytes(system.memory.totalMb)}`} values={history?.memoryPercent} max={100} colour="var(--ad-success)" />
          <Meter label="Disk" value={system.disk ? `${system.disk.percent.toFixed(0)}% of ${system.disk.totalGb.toFixed(0)} GB` : '—'} values={history?.diskPercent} max={100} colour="var(--ad-warning)" />
          <Meter label="Network" value={`↓ ${formatByteRate(system.network.rxBytesPerSecond)} ↑ ${formatByteRate(system.network.txBytesPerSecond)}`} values={history?.rxBytesPerSecond.map((rx, i) => rx + (history.txBytesPerSecond[i] ?? 0))} colour="var(--ad-text-tertiary)" />
        </div>
      ) : (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {online ? 'Waiting for its first statistics…' : (agent.reason ?? 'Offline')}
        </Typography.Text>
      )}
    </Card>
  );
});
