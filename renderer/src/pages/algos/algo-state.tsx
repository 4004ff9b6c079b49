/**
 * An algo's persistent state, as the agent it runs on keeps it: each key with its value as
 * compact JSON (a long one opens in full, indented), read again every few seconds. A key can be
 * deleted, or all of them, each asked first; a running algo may write a key again.
 */
import { ClearOutlined, DeleteOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Popconfirm, Space, Table, Typography } from 'antd';
import { useEffect } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { useAction } from '../../components/use-action';
import { formatQuantity } from '../../format/numbers';
import { formatClock } from '../../format/time';

/** A value longer than this (as JSON) is cut in the table and opens in full. */
const SHORT_JSON = 90;

interface Entry {
  key: string;
  json: string;
  value: unknown;
}

/** The keys in order, each with its value as compact JSON. */
export function stateEntries(values: Record<string, unknown>): Entry[] {
  return Object.keys(values)
    .sort((a, b) => a.localeCompare(b))
    .map((key) => ({ key, value: values[key], json: JSON.stringify(values[key]) ?? 'null' }));
}

function byteSize(text: string): number {
  return new TextEncoder().encode(text).length;
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${formatQuantity(bytes)} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function AlgoState({ agentId, agentName, algo, running }: { agentId: string; agentName: string; algo: string; running: boolean }) {
  const deck = useDeck();
  const state = useSlice(deck.algos, (slice) => slice.state);
  const error = useSlice(deck.algos, (slice) => slice.stateError);
  const { busy, act } = useAction();
  useEffect(() => deck.algos.getState().watchState(agentId, algo), [deck, agentId, algo]);

  const shown = state && state.agentId === agentId && state.algo === algo ? state : null;
  const entries = shown ? stateEntries(shown.values) : [];
  const store = deck.algos.getState();
  const rewrite = running ? ` ${algo} is running: it may write it again.` : '';

  const columns = [
    { title: 'Key', dataIndex: 'key', width: 200, ellipsis: true, render: (key: string) => <Typography.Text strong className="mono" data-testid={`state-key-${key}`}>{key}</Typography.Text> },
    {
      title: 'Value (JSON)',
      dataIndex: 'json',
      ellipsis: true,
      render: (json: string, entry: Entry) => (
        <span className="mono state-value" data-testid={`state-value-${entry.key}`}>
          {json.length > SHORT_JSON ? `${json.slice(0, SHORT_JSON)}…` : json}
        </span>
      ),
    },
    { title: 'Size', key: 'size', width: 80, align: 'right' as const, render: (_: unknown, entry: Entry) => <span className="num muted">{formatBytes(byteSize(entry.json))}</span> },
    {
      key: 'delete',
      width: 44,
      render: (_: unknown, entry: Entry) => (
        <Popconfirm
          title={`Delete “${entry.key}” from ${algo}'s state?`}
          description={`The algo forgets it at its next read.${rewrite}`}
          okText="Delete"
          okButtonProps={{ danger: true }}
          onConfirm={() => act(`delete:${entry.key}`, `${entry.key} deleted`, () => store.deleteKeys([entry.key]))}
        >
          <Button size="small" type="text" danger icon={<DeleteOutlined />} loading={busy === `delete:${entry.key}`} aria-label={`Delete ${entry.key}`} data-testid={`delete-key-${entry.key}`} />
        </Popconfirm>
      ),
    },
  ];

  return (
    <div data-testid="algo-state">
      <div className="detail-bar">
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="state-summary">
          {shown ? `${entries.length} ${entries.length === 1 ? 'key' : 'keys'} kept by ${agentName} · read ${formatClock(shown.at)}` : error ? '' : 'Reading…'}
        </Typography.Text>
        <Space size={4}>
          <Button size="small" type="text" icon={<ReloadOutlined />} onClick={() => void store.refreshState()} aria-label="Read again" title="Read again" />
          <Popconfirm
            title={`Clear ${algo}'s state?`}
            description={`All ${entries.length} keys are deleted: the algo starts afresh at its next start.${rewrite}`}
            okText="Clear all"
            okButtonProps={{ danger: true }}
            disabled={entries.length === 0}
            onConfirm={() => act('clear', `${algo}'s state cleared`, () => store.clearState())}
          >
            <Button size="small" danger icon={<ClearOutlined />} disabled={entries.length === 0} loading={busy === 'clear'} data-testid="clear-state">
              Clear all
            </Button>
          </Popconfirm>
        </Space>
      </div>
      {error ? <Alert type="error" showIcon style={{ marginBottom: 8 }} message={`The state could not be read from ${agentName}: ${error.message}`} /> : null}
      {shown && entries.length === 0 ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          data-testid="state-empty"
          description={
            <>
              <div>No state kept for {algo}.</div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                Algos keep what they must remember here: it survives restarts of the algo and of the agent (<code>algo.state.set</code> in the SDK).
              </Typography.Text>
            </>
          }
        />
      ) : (
        <Table<Entry>
          size="small"
          rowKey="key"
          pagination={false}
          dataSource={entries}
          columns={columns}
          loading={!shown && !error}
          scroll={entries.length > 10 ? { y: 320 } : undefined}
          expandable={{
            rowExpandable: (entry) => entry.json.length > SHORT_JSON || (typeof entry.value === 'object' && entry.value !== null && entry.json.length > 40),
            expandedRowRender: (entry) => <pre className="state-json mono">{JSON.stringify(entry.value, null, 2)}</pre>,
          }}
          data-testid="state-table"
        />
      )}
    </div>
  );
}
