/**
 * The fleet: every agent with live statistics and status; per agent its algos with start, stop,
 * restart and remove; live logs with follow and search; submitting a new algo to any agent; and
 * adding a machine. Everything goes through this agent (the hub) to its members.
 */
import { CaretRightOutlined, CloudUploadOutlined, DisconnectOutlined, PauseOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Empty, Popconfirm, Row, Space, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { formatDateTime } from '../../format/time';
import { useAction } from '../../components/use-action';
import { AddAgent } from './add-agent';
import { AgentCard } from './agent-card';
import { SubmitAlgo } from './submit-algo';
import { TaskLogs } from './task-logs';
import { TasksPanel } from './tasks-panel';

export function FleetPage() {
  const deck = useDeck();
  const agents = useSlice(deck.fleet, (slice) => slice.agents);
  const error = useSlice(deck.fleet, (slice) => slice.error);
  const selected = useSlice(deck.fleet, (slice) => slice.selected);
  const tasks = useSlice(deck.fleet, (slice) => slice.tasks);
  const tasksError = useSlice(deck.fleet, (slice) => slice.tasksError);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [adding, setAdding] = useState(false);
  const { busy, act } = useAction();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => deck.fleet.getState().watch(), [deck]);
  useEffect(() => deck.fleet.getState().watchTasks(), [deck]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(timer);
  }, []);
  const select = useCallback((id: string) => {
    deck.fleet.getState().select(id);
    setTaskId(null);
  }, [deck]);

  const agent = agents?.find((a) => a.id === selected) ?? null;
  const task = tasks?.find((t) => t.id === taskId) ?? null;
  const online = agents?.filter((a) => a.status === 'online').length ?? 0;
  const running = agents?.reduce((sum, a) => sum + a.tasks.running, 0) ?? 0;
  const fleet = deck.fleet.getState();


  return (
    <div className="page" data-testid="fleet-page">
      <div className="page-head">
        <Space align="baseline" size={12}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            Fleet
          </Typography.Title>
          <Typography.Text type="secondary" data-testid="fleet-summary">
            {agents ? `${online} of ${agents.length} ${agents.length === 1 ? 'agent' : 'agents'} online · ${running} ${running === 1 ? 'algo' : 'algos'} running` : 'Loading…'}
          </Typography.Text>
        </Space>
        <Space>
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="add-agent">
            Add an agent
          </Button>
          <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setSubmitting(true)} disabled={!agents} data-testid="open-submit">
            Submit an algo
          </Button>
        </Space>
      </div>
      {error ? <Alert type="error" showIcon message={`The fleet could not be read: ${error.message}`} style={{ marginBottom: 10 }} /> : null}
      <Row gutter={[10, 10]} style={{ marginBottom: 10 }}>
        {(agents ?? []).map((a) => (
          <Col key={a.id} xs={24} md={12} xl={8} xxl={6}>
            <AgentCard agent={a} selected={a.id === selected} onSelect={select} now={now} />
          </Col>
        ))}
      </Row>
      {agent ? (
        <Card
          size="small"
          title={
            <Space>
              <span>Algos on {agent.name}</span>
              {agent.status === 'offline' ? <Typography.Text type="danger">offline</Typography.Text> : null}
            </Space>
          }
          extra={
            <Space>
              <Button size="small" icon={<CaretRightOutlined />} disabled={agent.status !== 'online' || !tasks?.some((t) => t.state !== 'running')} loading={busy === 'start-all'} onClick={() => act('start-all', `Every algo on ${agent.name} started`, () => fleet.startAll(agent.id))}>
                Start all
              </Button>
              <Popconfirm
                title={`Stop ${agent.tasks.running} algos on ${agent.name}?`}
                description="Each gets its stop signal, then is killed after its grace."
                okText="Stop all"
                okButtonProps={{ danger: true }}
                disabled={agent.status !== 'online' || agent.tasks.running === 0}
                onConfirm={() => act('stop-all', `Every algo on ${agent.name} stopped`, () => fleet.stopAll(agent.id))}
              >
                <Button size="small" danger icon={<PauseOutlined />} disabled={agent.status !== 'online' || agent.tasks.running === 0} loading={busy === 'stop-all'}>
                  Stop all
                </Button>
              </Popconfirm>
              {agent.status === 'offline' && !agent.hub ? (
                <Popconfirm title={`Forget ${agent.name}?`} description="It leaves the list; it comes back if it joins again." okText="Forget" onConfirm={() => act('forget', `${agent.name} forgotten`, () => fleet.forget(agent.id))}>
                  <Button size="small" icon={<DisconnectOutlined />}>Forget</Button>
                </Popconfirm>
              ) : null}
            </Space>
          }
          style={{ marginBottom: 10 }}
          data-testid="agent-tasks"
        >
          {agent.status === 'offline' ? (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              data-testid="agent-offline"
              message={`${agent.name} is offline${agent.lastSeen ? ` since ${formatDateTime(agent.lastSeen)}` : ''}: ${agent.reason ?? 'not connected'}.`}
              description="Its algos keep running there. Commands to it fail until it joins again; it dials back by itself."
            />
          ) : tasksError ? (
            <Alert type="error" showIcon style={{ marginBottom: 8 }} message={tasksError.message} />
          ) : null}
          {agent.status === 'online' ? (
            <TasksPanel
              tasks={tasks ?? []}
              agentName={agent.name}
              selected={taskId}
              onSelect={setTaskId}
              actions={{ start: fleet.startTask, stop: fleet.stopTask, restart: fleet.restartTask, remove: fleet.removeTask }}
            />
          ) : null}
        </Card>
      ) : agents ? (
        <Empty description="Choose an agent to see its algos." />
      ) : null}
      {agent && task && agent.status === 'online' ? (
        <Card size="small" title={`Logs · ${task.name}`} extra={<Typography.Text type="secondary">run {task.run} · {task.state}</Typography.Text>}>
          <TaskLogs key={`${agent.id}:${task.id}`} agent={deck.agent} agentId={agent.id} task={task} />
        </Card>
      ) : null}
      {agents ? (
        <SubmitAlgo
          open={submitting}
          onClose={() => setSubmitting(false)}
          agents={agents}
          agentId={selected}
          connection={deck.agent}
          onDone={(agentId, made) => {
            setSubmitting(false);
            select(agentId);
            setTaskId(made.id);
            void deck.fleet.getState().refreshTasks();
          }}
        />
      ) : null}
      <AddAgent open={adding} onClose={() => setAdding(false)} connection={deck.agent} />
    </div>
  );
}
