/**
 * Every algo of the fleet on one page: the tasks of every online agent joined by name with the
 * risk manager's figures and today's orders (an algo run outside the fleet's tasks is listed
 * too, without controls); start and stop; the chosen algo's persistent state, log and orders
 * below. Example algos never started are offered first, one line each. Live: the tasks from the
 * `tasks` topic of each agent, orders from the `orders` topic, risk from its slice.
 */
import { CloudUploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Space, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { algoRows, untriedExamples } from '../../stores/algo-rows';
import { SubmitAlgo } from '../fleet/submit-algo';
import { AlgoDetail, type DetailTab } from './algo-detail';
import { AlgosTable } from './algos-table';
import { ExamplesCard } from './examples-card';
import './algos.css';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function AlgosPage() {
  const deck = useDeck();
  const agents = useSlice(deck.fleet, (slice) => slice.agents);
  const fleetError = useSlice(deck.fleet, (slice) => slice.error);
  const tasks = useSlice(deck.algos, (slice) => slice.tasks);
  const errors = useSlice(deck.algos, (slice) => slice.errors);
  const risk = useSlice(deck.risk, (slice) => slice.summary);
  const orders = useSlice(deck.orders, (slice) => slice.orders);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<DetailTab>('state');
  const [submitting, setSubmitting] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => deck.algos.getState().watch(), [deck]);
  useEffect(() => deck.orders.getState().watch(), [deck]);
  useEffect(() => deck.risk.getState().watch(), [deck]);
  useEffect(() => {
    // "Today's" orders: the day can turn while the page is open.
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const rows = useMemo(() => algoRows({ agents, tasks, risk, orders, now }), [agents, tasks, risk, orders, now]);
  const examples = useMemo(() => untriedExamples(agents, tasks), [agents, tasks]);
  const row = rows.find((candidate) => candidate.key === selected) ?? null;
  // The agent this page talks to (listed first): where an algo that is not a task keeps its state, as far as the page can tell.
  const here = agents?.[0] ?? null;
  const store = deck.algos.getState();

  const online = agents?.filter((agent) => agent.status === 'online') ?? [];
  const offline = (agents?.length ?? 0) - online.length;
  const waiting = online.some((agent) => tasks[agent.id] === undefined && errors[agent.id] === undefined);
  const running = rows.filter((r) => r.task?.state === 'running').length;
  const errored = rows.filter((r) => r.task?.state === 'errored').length;
  const held = rows.filter((r) => r.trading.state !== 'ACTIVE').length;
  const unreadable = online.filter((agent) => errors[agent.id]);

  return (
    <div className="page" data-testid="algos-page">
      <div className="page-head">
        <Space align="baseline" size={12} wrap>
          <Typography.Title level={4} style={{ margin: 0 }}>
            Algos
          </Typography.Title>
          <Typography.Text type="secondary" data-testid="algos-summary">
            {agents === null || waiting
              ? 'Loading…'
              : [
                  `${plural(rows.length, 'algo', 'algos')} on ${plural(online.length, 'agent', 'agents')}`,
                  `${running} running`,
                  ...(errored > 0 ? [`${errored} errored`] : []),
                  ...(held > 0 ? [`${held} held back by risk`] : []),
                  ...(offline > 0 ? [`${plural(offline, 'agent', 'agents')} offline, not shown`] : []),
                ].join(' · ')}
          </Typography.Text>
        </Space>
        <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setSubmitting(true)} disabled={!agents} data-testid="open-submit">
          Submit an algo
        </Button>
      </div>
      {fleetError ? <Alert type="error" showIcon style={{ marginBottom: 10 }} message={`The fleet could not be read: ${fleetError.message}`} /> : null}
      {unreadable.map((agent) => (
        <Alert key={agent.id} type="warning" showIcon style={{ marginBottom: 10 }} message={`The algos on ${agent.name} could not be read: ${errors[agent.id]!.message}`} />
      ))}
      {examples.length > 0 ? <ExamplesCard examples={examples} start={store.startTask} /> : null}
      {agents !== null && !waiting && rows.length === 0 ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 10 }}
          data-testid="algos-empty"
          message="No algos yet: submit one to any agent of the fleet."
          description="An algo is a program that trades through the SDK, in TypeScript or Python, and runs as a task on an agent: docs/algos.md shows how to write one. On the simulated market, a fresh agent registers example algos to start from."
          action={
            <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setSubmitting(true)}>
              Submit an algo
            </Button>
          }
        />
      ) : (
        <Card size="small" styles={{ body: { padding: 0 } }} style={{ marginBottom: 10 }}>
          <AlgosTable
            rows={rows}
            loading={agents === null || waiting}
            selected={selected}
            onSelect={setSelected}
            actions={{ start: store.startTask, stop: store.stopTask }}
          />
        </Card>
      )}
      {row ? (
        <AlgoDetail row={row} here={here} tab={tab} onTab={setTab} onClose={() => setSelected(null)} now={now} />
      ) : rows.length > 0 ? (
        <Typography.Text type="secondary" className="algos-hint">
          Choose an algo to see its state, its log and its orders.
        </Typography.Text>
      ) : null}
      {agents ? (
        <SubmitAlgo
          open={submitting}
          onClose={() => setSubmitting(false)}
          agents={agents}
          agentId={here?.id ?? null}
          connection={deck.agent}
          onDone={(agentId, made) => {
            setSubmitting(false);
            setSelected(`${agentId}:${made.id}`);
            setTab('log');
          }}
        />
      ) : null}
    </div>
  );
}
