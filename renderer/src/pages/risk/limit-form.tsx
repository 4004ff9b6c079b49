/**
 * One set of limits as a form (global, an algo's, an instrument's): every limit the set takes,
 * empty for none. Saving sends only what changed (an emptied limit as null, which removes it); the
 * agent's refusal of a field is shown on that field, as it said it, and nothing is changed.
 */
import { Alert, App, Button, Form, Input, InputNumber, Popconfirm, Select, Space, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import type { InstrumentLimits, RiskLimitSet, RiskLimits } from '../../../../shared/risk';
import { useDeck } from '../../app/deck';
import { InstrumentSearch } from '../../components/instrument-search';
import { formatQuantity, formatRupees, groupTyped, ungroupTyped } from '../../format/numbers';
import { type ShownError, shownError } from '../../stores/errors';
import { changeOf, fieldInScope, limitNames, type LimitName, limitsPatch, type LimitScope, type LimitValue } from '../../stores/risk-limits';

type Values = Partial<Record<LimitName, LimitValue>>;
type Kind = 'rupees' | 'count' | 'percent' | 'breach' | 'window' | 'instruments';
type Window = { from?: string; to?: string };

const META: Record<LimitName, { label: string; kind: Kind; help: (scope: LimitScope) => string }> = {
  maxOrderValue: { label: 'Order value', kind: 'rupees', help: () => 'The value one order may have' },
  maxOrderQuantity: { label: 'Order quantity', kind: 'count', help: () => 'The quantity one order may have' },
  maxRiskPerTrade: { label: 'Risk per trade', kind: 'rupees', help: () => 'Money at risk one order may add' },
  maxRisk: {
    label: 'Money at risk',
    kind: 'rupees',
    help: (scope) => (scope.kind === 'global' ? 'Of the whole book, every algo together' : scope.kind === 'algo' ? 'Of this algo, all its positions and orders' : 'In this instrument, across every algo'),
  },
  maxOpenPositions: { label: 'Open positions', kind: 'count', help: () => 'Instruments held (or ordered) at once' },
  maxOrdersPerSecond: { label: 'Orders per second', kind: 'count', help: () => 'Accepted orders in any second' },
  maxOrdersPerMinute: { label: 'Orders per minute', kind: 'count', help: () => 'Accepted orders in any minute' },
  maxDailyLoss: { label: 'Daily loss', kind: 'rupees', help: () => 'Loss since the session opened, realised and unrealised' },
  maxDrawdown: { label: 'Drawdown', kind: 'rupees', help: () => "Equity below the day's peak" },
  onBreach: { label: 'On a loss or drawdown breach', kind: 'breach', help: () => 'What crossing either limit does' },
  tradingWindow: {
    label: 'Trading window (IST)',
    kind: 'window',
    help: (scope) => `When new exposure may be taken, HH:MM to HH:MM in the exchange's time; outside it only orders that reduce a position pass${scope.kind === 'algo' ? ' (the global window applies too)' : ''}`,
  },
  fallbackRiskFraction: { label: 'Risk without a stop', kind: 'percent', help: () => 'Share of a position’s value counted at risk when it has no stop (2 % if empty)' },
  allow: { label: 'Only these instruments', kind: 'instruments', help: () => 'Empty: any instrument may be traded' },
  deny: { label: 'Never these instruments', kind: 'instruments', help: () => 'Refused for every algo' },
};

/** The form's values for a set of limits (the risk share shown in percent). */
function valuesOf(limits: Record<string, unknown>, names: readonly LimitName[]): Values {
  const values: Values = {};
  for (const name of names) {
    const value = limits[name] as Values[LimitName];
    values[name] = name === 'fallbackRiskFraction' && typeof value === 'number' ? Math.round(value * 1e6) / 1e4 : (value ?? null);
  }
  return values;
}

/** The form's values as the agent keeps them. */
function asLimits(values: Values): Values {
  const share = values.fallbackRiskFraction;
  return 'fallbackRiskFraction' in values ? { ...values, fallbackRiskFraction: typeof share === 'number' ? share / 100 : share } : values;
}

function describe(name: LimitName, value: unknown): string {
  if (value === null) return `${META[name].label} removed`;
  if (META[name].kind === 'rupees') return `${META[name].label} ${formatRupees(value as number, 0)}`;
  if (META[name].kind === 'count') return `${META[name].label} ${formatQuantity(value as number)}`;
  if (META[name].kind === 'percent') return `${META[name].label} ${((value as number) * 100).toFixed(2)} %`;
  if (Array.isArray(value)) return `${META[name].label}: ${value.length} instruments`;
  if (META[name].kind === 'window') return `${META[name].label} ${(value as Window).from ?? ''}–${(value as Window).to ?? ''}`;
  return `${META[name].label} ${String(value)}`;
}

/** From and to, each `HH:MM`: typed as the exchange's clock reads, judged by the agent. */
function WindowInput({ value, onChange }: { value?: Window | null; onChange?: (value: Window) => void }) {
  const window = value ?? {};
  return (
    <Space.Compact style={{ width: '100%' }}>
      <Input placeholder="09:20" maxLength={5} value={window.from ?? ''} onChange={(event) => onChange?.({ ...window, from: event.target.value })} aria-label="Trading window from" data-testid="limit-tradingWindow-from" />
      <Input placeholder="15:10" maxLength={5} value={window.to ?? ''} onChange={(event) => onChange?.({ ...window, to: event.target.value })} aria-label="Trading window to" data-testid="limit-tradingWindow-to" />
    </Space.Compact>
  );
}

function Field({ name, scope }: { name: LimitName; scope: LimitScope }) {
  const deck = useDeck();
  const meta = META[name];
  const common = { 'aria-label': meta.label, 'data-testid': `limit-${name}` };
  const control =
    meta.kind === 'breach' ? (
      <Select allowClear placeholder="HALTED (default)" options={[{ value: 'HALTED', label: 'HALTED: nothing new' }, { value: 'REDUCING', label: 'REDUCING: only exits' }]} {...common} />
    ) : meta.kind === 'window' ? (
      <WindowInput />
    ) : meta.kind === 'instruments' ? (
      <InstrumentSearch agent={deck.agent} multiple placeholder="none" style={{ width: '100%' }} testId={`limit-${name}`} />
    ) : (
      <InputNumber
        min={0}
        precision={meta.kind === 'count' ? 0 : meta.kind === 'percent' ? 2 : undefined}
        prefix={meta.kind === 'rupees' ? '₹' : undefined}
        suffix={meta.kind === 'percent' ? '%' : undefined}
        placeholder={meta.kind === 'percent' ? '2 (default)' : 'no limit'}
        formatter={groupTyped}
        parser={ungroupTyped}
        style={{ width: '100%' }}
        className="num-input"
        {...common}
      />
    );
  return (
    <Form.Item name={name} label={meta.label} tooltip={meta.help(scope)} className={meta.kind === 'instruments' ? 'limit-wide' : undefined} style={{ marginBottom: 8 }}>
      {control}
    </Form.Item>
  );
}

export function LimitForm({ scope, limits, extra }: { scope: LimitScope; limits: RiskLimitSet; extra?: React.ReactNode }) {
  const deck = useDeck();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const names = limitNames(scope);
  const current: RiskLimits | InstrumentLimits | undefined = scope.kind === 'global' ? limits.global : scope.kind === 'algo' ? limits.algos[scope.name] : limits.instruments[scope.id];
  // The summary is polled: a new object each time, the same limits most times.
  const currentKey = JSON.stringify(current ?? {});
  const before = useMemo(() => valuesOf(JSON.parse(currentKey) as Record<string, unknown>, names), [currentKey, names]);
  const edited = Form.useWatch([], form) as Values | undefined;
  const patch = useMemo(() => limitsPatch(scope, asLimits(before), asLimits(edited ?? before)), [scope, before, edited]);
  const changes = Object.keys(patch).length;
  const scopeKey = scope.kind === 'global' ? 'global' : scope.kind === 'algo' ? `algo:${scope.name}` : `instrument:${scope.id}`;

  // Another set chosen, or the agent's limits changed: the form shows them afresh.
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(before);
  }, [form, before, scopeKey]);

  const save = async (body: ReturnType<typeof changeOf>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await deck.risk.getState().setLimits(body);
      message.success(done);
    } catch (caught) {
      const shown = shownError(caught);
      const field = fieldInScope(shown.field, scope);
      if (field) form.setFields([{ name: field, errors: [shown.message] }]);
      else setError(shown);
    } finally {
      setBusy(false);
    }
  };
  const who = scope.kind === 'global' ? 'the global limits' : scope.kind === 'algo' ? `${scope.name}'s limits` : `the limits of ${scope.id}`;

  return (
    <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={() => void save(changeOf(scope, patch), `Saved ${who}: ${Object.entries(patch).map(([name, value]) => describe(name as LimitName, value)).join(', ')}`)} data-testid={`limit-form-${scope.kind}`}>
      {error ? <Alert type="error" showIcon message={error.message} style={{ marginBottom: 8 }} data-testid="limits-error" /> : null}
      <div className="limit-grid">
        {names.map((name) => (
          <Field key={name} name={name} scope={scope} />
        ))}
      </div>
      <Space style={{ marginTop: 4 }} wrap>
        <Button type="primary" htmlType="submit" disabled={changes === 0} loading={busy} data-testid="limits-save">
          {changes === 0 ? 'No changes' : `Save ${changes} ${changes === 1 ? 'change' : 'changes'}`}
        </Button>
        <Button disabled={changes === 0} onClick={() => (form.setFieldsValue(before), form.setFields(names.map((name) => ({ name, errors: [] }))), setError(null))}>
          Undo
        </Button>
        {scope.kind !== 'global' && current && Object.keys(current).length > 0 ? (
          <Popconfirm
            title={`Remove every limit of ${scope.kind === 'algo' ? scope.name : scope.id}?`}
            description={scope.kind === 'algo' ? 'Only the global limits apply to it then.' : 'Only the per-order and global limits apply to it then.'}
            okText="Remove all"
            okButtonProps={{ danger: true }}
            onConfirm={() => save(changeOf(scope, null), `Removed ${who}`)}
          >
            <Button danger data-testid="limits-remove-all">
              Remove all
            </Button>
          </Popconfirm>
        ) : null}
        {extra}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          Empty means no limit. Changes apply at once to every order after them.
        </Typography.Text>
      </Space>
    </Form>
  );
}
