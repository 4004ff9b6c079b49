/**
 * The ticker engine, live: workers and what each holds, rates, restarts, memory and state;
 * subscriptions with stale ones highlighted; add (search as you type), remove, change mode and
 * the worker count, each answered by the agent's new state or its own error message.
 */
import { DeleteOutlined, PauseCircleOutlined, PlayCircleOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Badge, Button, Card, Col, Form, InputNumber, Popconfirm, Row, Select, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import type { SubscriptionInfo, WorkerInfo, WorkerState } from '../../../../shared/contract/api';
import { TICK_MODES, type TickMode } from '../../../../shared/tick';
import { InstrumentSearch } from '../../components/instrument-search';
import { useDeck, useSlice } from '../../app/deck';
import { useLocation } from '../../app/router';
import { formatQuantity } from '../../format/numbers';
import { formatAge } from '../../format/time';
import { type ShownError, shownError } from '../../stores/errors';

const WORKER_BADGE: Record<WorkerState, 'success' | 'processing' | 'warning' | 'error' | 'default'> = {
  ready: 'success',
  starting: 'processing',
  connecting: 'processing',
  reconnecting: 'warning',
  'needs-login': 'warning',
  unresponsive: 'error',
  stopping: 'default',
  dead: 'error',
};

function age(at: string | null): string {
  return at === null ? 'never' : formatAge(Date.now() - Date.parse(at));
}

export function TickerPage() {
  const deck = useDeck();
  const { message } = App.useApp();
  const ticker = useSlice(deck.ticker, (slice) => slice.ticker);
  const error = useSlice(deck.ticker, (slice) => slice.error);
  const location = useLocation();
  useEffect(() => deck.ticker.getState().watch(), [deck]);

  const [adding, setAdding] = useState<string[]>([]);
  const [mode, setMode] = useState<TickMode>('full');
  const [addError, setAddError] = useState<ShownError | null>(null);
  const [workers, setWorkers] = useState<number | null>(null);
  const [workersError, setWorkersError] = useState<ShownError | null>(null);
  const [selectedRows, setSelectedRows] = useState<string[]>([]);
  const [busy, setBusy] = useState<string | null>(null);

  const act = async <T,>(what: string, run: () => Promise<T>, onError?: (error: ShownError) => void): Promise<T | undefined> => {
    setBusy(what);
    try {
      return await run();
    } catch (caught) {
      const shown = shownError(caught);
      if (onError) onError(shown);
      else message.error(shown.message);
      return undefined;
    } finally {
      setBusy(null);
    }
  };

  const add = () =>
    act(
      'add',
      async () => {
        await deck.ticker.getState().subscribe(adding, mode);
        message.success(`Subscribed ${adding.length === 1 ? adding[0] : `${adding.length} instruments`} in ${mode} mode`);
        setAdding([]);
        setAddError(null);
      },
      setAddError,
    );
  const remove = (ids: string[]) =>
    act('remove', async () => {
      await deck.ticker.getState().unsubscribe(ids);
      setSelectedRows((rows) => rows.filter((id) => !ids.includes(id)));
      message.success(`Removed ${ids.length === 1 ? ids[0] : `${ids.length} instruments`} from the ticker`);
    });
  const changeMode = (id: string, next: TickMode) => act(`mode:${id}`, () => deck.ticker.getState().subscribe([id], next));
  const applyWorkers = () =>
    act(
      'workers',
      async () => {
        await deck.ticker.getState().setWorkers(workers!);
        message.success(`The ticker now runs ${workers} workers`);
        setWorkers(null);
        setWorkersError(null);
      },
      setWorkersError,
    );

  const staleSet = useMemo(() => new Set(ticker?.stale), [ticker]);
  const limits = ticker?.limits;
  const maxWorkers = limits?.connectionsPerKey ?? 64;
  const workersProblem = workers === null ? null : !Number.isInteger(workers) || workers < 1 ? 'At least one worker.' : null;

  const workerColumns = [
    { title: '#', dataIndex: 'id', width: 40, render: (id: number) => <span className="num">{id}</span> },
    { title: 'State', dataIndex: 'state', width: 120, render: (state: WorkerState) => <Badge status={WORKER_BADGE[state]} text={state} /> },
    { title: 'PID', dataIndex: 'pid', width: 70, render: (pid: number | null) => <span className="num">{pid ?? '—'}</span> },
    { title: 'Instruments', key: 'count', width: 100, align: 'right' as const, render: (_: unknown, worker: WorkerInfo) => <span className="num">{formatQuantity(worker.instruments.length)}</span> },
    { title: 'Ticks/s', dataIndex: 'ticksPerSecond', width: 80, align: 'right' as const, render: (rate: number) => <span className="num">{formatQuantity(rate)}</span> },
    { title: 'Restarts', dataIndex: 'restarts', width: 76, align: 'right' as const, render: (restarts: number) => <span className={`num ${restarts > 0 ? 'down' : ''}`}>{restarts}</span> },
    { title: 'Memory', dataIndex: 'rssMb', width: 84, align: 'right' as const, render: (mb: number | null) => <span className="num">{mb === null ? '—' : `${Math.round(mb)} MB`}</span> },
    { title: 'Last tick', dataIndex: 'lastTickAt', width: 90, render: (at: string | null) => <span className="num">{age(at)}</span> },
    { title: 'Broker connection', dataIndex: 'provider', ellipsis: true, render: (provider: string) => <Typography.Text type="secondary">{provider}</Typography.Text> },
  ];

  const subscriptionColumns = [
    {
      title: 'Instrument',
      dataIndex: 'instrument',
      sorter: (a: SubscriptionInfo, b: SubscriptionInfo) => a.instrument.localeCompare(b.instrument),
      render: (id: string, row: SubscriptionInfo) => (
        <Space size={6}>
          <Typography.Text strong>{id}</Typography.Text>
          {row.stale ? <Tag color="warning">stale</Tag> : null}
        </Space>
      ),
    },
    {
      title: 'Mode',
      dataIndex: 'mode',
      width: 110,
      render: (current: TickMode, row: SubscriptionInfo) => (
        <Select<TickMode>
          size="small"
          value={current}
          style={{ width: 90 }}
          loading={busy === `mode:${row.instrument}`}
          onChange={(next) => void changeMode(row.instrument, next)}
          options={TICK_MODES.map((value) => ({ value, label: value }))}
          aria-label={`Mode of ${row.instrument}`}
        />
      ),
    },
    { title: 'Worker', dataIndex: 'worker', width: 70, align: 'right' as const, render: (worker: number | null) => <span className="num">{worker ?? '—'}</span> },
    { title: 'Ticks/s', dataIndex: 'ticksPerSecond', width: 80, align: 'right' as const, sorter: (a: SubscriptionInfo, b: SubscriptionInfo) => a.ticksPerSecond - b.ticksPerSecond, render: (rate: number) => <span className="num">{rate.toFixed(1)}</span> },
    { title: 'Last tick', dataIndex: 'lastTickAt', width: 100, render: (at: string | null, row: SubscriptionInfo) => <span className={`num ${row.stale ? 'down' : ''}`}>{age(at)}</span> },
    {
      key: 'remove',
      width: 44,
      render: (_: unknown, row: SubscriptionInfo) => (
        <Popconfirm title={`Stop ticking ${row.instrument}?`} description="Algos and watchlists using it get no more prices." okText="Remove" okButtonProps={{ danger: true }} onConfirm={() => remove([row.instrument])}>
          <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={`Remove ${row.instrument}`} />
        </Popconfirm>
      ),
    },
  ];

  const subscriptions = ticker?.subscriptions ?? [];
  return (
    <div className="page" data-testid="ticker-page">
      {error ? <Alert type="error" showIcon message={`The ticker's state could not be read: ${error.message}`} style={{ marginBottom: 10 }} /> : null}
      {ticker?.state === 'stopped' ? (
        <Alert
          type="warning"
          showIcon
          message="The ticker is stopped: no worker is connected to the broker and no prices flow. Its subscriptions are kept."
          action={
            <Button type="primary" size="small" icon={<PlayCircleOutlined />} loading={busy === 'start'} onClick={() => void act('start', () => deck.ticker.getState().start())} data-testid="start-ticker">
              Start
            </Button>
          }
          style={{ marginBottom: 10 }}
          data-testid="ticker-stopped"
        />
      ) : null}
      {ticker?.state === 'needs-login' ? (
        <Alert type="warning" showIcon message="The broker refused the access token: ticks resume after the next login." action={<Button href="#/broker">Broker login</Button>} style={{ marginBottom: 10 }} />
      ) : null}
      <Row gutter={10} style={{ marginBottom: 10 }}>
        <Col span={5}><Card size="small"><Statistic title="State" value={ticker?.state ?? '…'} valueStyle={{ fontSize: 18, color: ticker?.state === 'running' ? 'var(--up)' : 'var(--down)' }} /></Card></Col>
        <Col span={5}><Card size="small"><Statistic title="Ticks per second" value={Math.round(ticker?.ticksPerSecond ?? 0)} valueStyle={{ fontSize: 18, fontVariantNumeric: 'tabular-nums' }} groupSeparator="," /></Card></Col>
        <Col span={5}><Card size="small"><Statistic title="Subscribed" value={subscriptions.length} valueStyle={{ fontSize: 18 }} suffix={limits && ticker?.state !== 'stopped' ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>of {formatQuantity(limits.instrumentsPerConnection * (ticker?.workers.length ?? 0))}</Typography.Text> : null} /></Card></Col>
        <Col span={4}><Card size="small"><Statistic title="Stale" value={ticker?.stale.length ?? 0} valueStyle={{ fontSize: 18, color: (ticker?.stale.length ?? 0) > 0 ? 'var(--ant-color-warning)' : undefined }} /></Card></Col>
        <Col span={5}><Card size="small"><Statistic title="Stream consumers" value={ticker?.consumers.length ?? 0} valueStyle={{ fontSize: 18 }} /></Card></Col>
      </Row>
      <Card
        size="small"
        title="Workers"
        style={{ marginBottom: 10 }}
        extra={
          <Space>
            <Typography.Text type="secondary">Worker count</Typography.Text>
            <Tooltip title={ticker?.state === 'stopped' ? 'Start the ticker to change its worker count' : (workersError?.message ?? workersProblem ?? `1 to ${maxWorkers}: one broker connection each`)} open={workersError || workersProblem ? true : undefined} color={workersError || workersProblem ? 'red' : undefined}>
              <InputNumber
                size="small"
                min={1}
                disabled={ticker?.state === 'stopped'}
                value={workers ?? (ticker?.state === 'stopped' ? null : ticker?.workers.length) ?? null}
                status={workersError || workersProblem ? 'error' : undefined}
                onChange={(value) => (setWorkers(value === null ? null : Number(value)), setWorkersError(null))}
                onPressEnter={() => workers !== null && !workersProblem && void applyWorkers()}
                aria-label="Worker count"
                data-testid="worker-count"
                style={{ width: 70 }}
              />
            </Tooltip>
            <Button size="small" type="primary" disabled={workers === null || workers === ticker?.workers.length || workersProblem !== null} loading={busy === 'workers'} onClick={() => void applyWorkers()} data-testid="apply-workers">
              Apply
            </Button>
            <Button size="small" icon={<ReloadOutlined />} onClick={() => void deck.ticker.getState().refresh()} aria-label="Refresh" />
            {ticker && ticker.state !== 'stopped' ? (
              <Popconfirm
                title="Stop the ticker?"
                description="Every worker disconnects from the broker: prices stop for every page and algo. The subscriptions are kept for the next start."
                okText="Stop"
                okButtonProps={{ danger: true }}
                onConfirm={() => act('stop', () => deck.ticker.getState().stop())}
              >
                <Button size="small" danger icon={<PauseCircleOutlined />} loading={busy === 'stop'} data-testid="stop-ticker">
                  Stop ticker
                </Button>
              </Popconfirm>
            ) : null}
          </Space>
        }
      >
        <Table<WorkerInfo>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={ticker?.workers ?? []}
          columns={workerColumns}
          expandable={{ expandedRowRender: (worker) => <Typography.Text type="secondary" style={{ fontSize: 12 }}>{worker.instruments.join(' · ') || 'No instruments'}</Typography.Text> }}
          data-testid="workers-table"
        />
      </Card>
      <Card size="small" title={`Subscriptions (${formatQuantity(subscriptions.length)})`}
        extra={selectedRows.length > 0 ? (
          <Popconfirm title={`Stop ticking ${selectedRows.length} instruments?`} okText="Remove" okButtonProps={{ danger: true }} onConfirm={() => remove(selectedRows)}>
            <Button size="small" danger icon={<DeleteOutlined />}>Remove {selectedRows.length} selected</Button>
          </Popconfirm>
        ) : null}
      >
        <Form layout="inline" onFinish={() => void add()} style={{ marginBottom: 10, rowGap: 6 }}>
          <Form.Item validateStatus={addError ? 'error' : undefined} help={addError?.message} style={{ flex: 1, minWidth: 260 }}>
            <InstrumentSearch
              agent={deck.agent}
              multiple
              value={adding}
              onChange={(ids) => (setAdding(ids), setAddError(null))}
              placeholder="Add instruments: type a symbol or name"
              style={{ width: '100%' }}
              autoFocus={location.query.get('add') !== null}
            />
          </Form.Item>
          <Form.Item>
            <Select<TickMode> value={mode} onChange={setMode} style={{ width: 96 }} options={TICK_MODES.map((value) => ({ value, label: value }))} aria-label="Mode" />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<PlusOutlined />} disabled={adding.length === 0} loading={busy === 'add'} data-testid="add-instruments">
              Subscribe
            </Button>
          </Form.Item>
        </Form>
        <Table<SubscriptionInfo>
          size="small"
          rowKey="instrument"
          dataSource={subscriptions}
          columns={subscriptionColumns}
          pagination={false}
          virtual={subscriptions.length > 200}
          scroll={{ y: 420 }}
          rowClassName={(row) => (staleSet.has(row.instrument) ? 'row-stale' : '')}
          rowSelection={{ selectedRowKeys: selectedRows, onChange: (keys) => setSelectedRows(keys as string[]) }}
          locale={{ emptyText: 'Nothing subscribed: add instruments above to start ticks.' }}
          data-testid="subscriptions-table"
        />
      </Card>
    </div>
  );
}
