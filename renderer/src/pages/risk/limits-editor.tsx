/**
 * The limits in force, edited live: global (the whole book, plus the share counted at risk
 * without a stop and the instruments allowed or denied), per algo (any algo by name, including
 * "manual" for the ticket's orders) and per instrument across algos. Each set is its own form
 * (see limit-form.tsx); the tags say which algos and instruments have limits of their own.
 */
import { AutoComplete, Card, Space, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { RiskSummary } from '../../../../shared/risk';
import { useDeck } from '../../app/deck';
import { InstrumentSearch } from '../../components/instrument-search';
import { MANUAL_ALGO } from '../../stores/orders-store';
import { LimitForm } from './limit-form';

function Pick({ names, chosen, onChoose, label }: { names: string[]; chosen: string | null; onChoose: (name: string) => void; label: string }) {
  if (names.length === 0) return null;
  return (
    <Space size={4} wrap style={{ marginBottom: 8 }}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {label}
      </Typography.Text>
      {names.map((name) => (
        <Tag.CheckableTag key={name} checked={name === chosen} onChange={() => onChoose(name)}>
          {name}
        </Tag.CheckableTag>
      ))}
    </Space>
  );
}

function AlgoLimits({ summary }: { summary: RiskSummary }) {
  const limited = Object.keys(summary.limits.algos).sort();
  const known = [...new Set([MANUAL_ALGO, ...Object.keys(summary.algos), ...limited])].sort();
  const [name, setName] = useState<string>(limited[0] ?? Object.keys(summary.algos)[0] ?? MANUAL_ALGO);
  const algo = name.trim();
  return (
    <>
      <Space size={8} style={{ marginBottom: 8 }} wrap>
        <Typography.Text>Algo</Typography.Text>
        <AutoComplete value={name} onChange={setName} options={known.map((value) => ({ value }))} style={{ width: 200 }} placeholder="its name, as it places orders" aria-label="Algo" data-testid="limits-algo" />
      </Space>
      <Pick names={limited} chosen={algo} onChoose={setName} label="With limits of their own:" />
      {algo ? <LimitForm scope={{ kind: 'algo', name: algo }} limits={summary.limits} /> : <Typography.Text type="secondary">Name the algo whose limits to set.</Typography.Text>}
    </>
  );
}

function InstrumentLimits({ summary }: { summary: RiskSummary }) {
  const deck = useDeck();
  const limited = Object.keys(summary.limits.instruments).sort();
  const [id, setId] = useState<string | null>(limited[0] ?? Object.keys(summary.instruments)[0] ?? null);
  return (
    <>
      <Space size={8} style={{ marginBottom: 8 }} wrap>
        <Typography.Text>Instrument</Typography.Text>
        <InstrumentSearch agent={deck.agent} selected={id} onPick={setId} placeholder="Search an instrument" style={{ width: 260 }} testId="limits-instrument" />
      </Space>
      <Pick names={limited} chosen={id} onChoose={setId} label="With limits of their own:" />
      {id ? <LimitForm scope={{ kind: 'instrument', id }} limits={summary.limits} /> : <Typography.Text type="secondary">Choose an instrument: its limits hold across every algo.</Typography.Text>}
    </>
  );
}

export function LimitsEditor({ summary }: { summary: RiskSummary | null }) {
  return (
    <Card size="small" title="Limits" styles={{ body: { paddingTop: 0 } }} data-testid="limits-editor">
      {summary ? (
        <Tabs
          size="small"
          destroyOnHidden
          items={[
            { key: 'global', label: 'Global', children: <LimitForm scope={{ kind: 'global' }} limits={summary.limits} /> },
            { key: 'algos', label: `Per algo (${Object.keys(summary.limits.algos).length})`, children: <AlgoLimits summary={summary} /> },
            { key: 'instruments', label: `Per instrument (${Object.keys(summary.limits.instruments).length})`, children: <InstrumentLimits summary={summary} /> },
          ]}
        />
      ) : (
        <Typography.Text type="secondary">Loading the limits…</Typography.Text>
      )}
    </Card>
  );
}
