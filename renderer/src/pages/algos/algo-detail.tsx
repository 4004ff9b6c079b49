/**
 * The algo chosen in the table: its persistent state (from the agent it runs on; an algo that is
 * not a task, from this agent), its task's log live, and its orders.
 */
import { CloseOutlined } from '@ant-design/icons';
import { Button, Card, Space, Tabs, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useDeck } from '../../app/deck';
import { formatQuantity } from '../../format/numbers';
import type { AlgoRow } from '../../stores/algo-rows';
import { isLive } from '../../stores/algo-rows';
import { TaskLogs } from '../fleet/task-logs';
import { AlgoOrders } from './algo-orders';
import { AlgoState } from './algo-state';

export type DetailTab = 'state' | 'log' | 'orders';

export function AlgoDetail({ row, here, tab, onTab, onClose, now }: { row: AlgoRow; here: { id: string; name: string; hub: boolean } | null; tab: DetailTab; onTab: (tab: DetailTab) => void; onClose: () => void; now: number }) {
  const deck = useDeck();
  const { task, agent } = row;
  // An algo that is not a task keeps its state where it connects: this agent, as far as the page can tell.
  const home = agent ?? here;
  const box = useRef<HTMLDivElement>(null);
  // A row chosen low in a long table: its detail comes into view.
  useEffect(() => {
    box.current?.scrollIntoView({ block: 'nearest' });
  }, [row.key]);
  const shown = !task && tab === 'log' ? 'state' : tab;
  const items = [
    {
      key: 'state',
      label: 'State',
      children: home ? <AlgoState key={`${home.id}:${row.name}`} agentId={home.id} agentName={home.name} algo={row.name} running={task !== null && isLive(task)} /> : null,
    },
    ...(task && agent ? [{ key: 'log', label: 'Log', children: <TaskLogs key={`${agent.id}:${task.id}`} agent={deck.agent} agentId={agent.id} task={task} /> }] : []),
    { key: 'orders', label: `Orders (${formatQuantity(row.orders.today)} today)`, children: <AlgoOrders algo={row.name} now={now} /> },
  ];
  return (
    <Card
      size="small"
      className="algo-detail"
      styles={{ body: { paddingTop: 0 } }}
      data-testid="algo-detail"
      title={
        <Space size={8}>
          <span>{row.name}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 400, fontSize: 12 }}>
            {task && agent ? `on ${agent.name} · run ${task.run} · ${task.state}` : 'not a task of the fleet'}
          </Typography.Text>
        </Space>
      }
      extra={<Button size="small" type="text" icon={<CloseOutlined />} onClick={onClose} aria-label="Close" />}
    >
      <div ref={box}>
        <Tabs size="small" activeKey={shown} onChange={(key) => onTab(key as DetailTab)} items={items} data-testid="algo-tabs" />
      </div>
    </Card>
  );
}
