/**
 * Central risk: the trading state and the kill switch first; money at risk, the day's P&L and the
 * drawdown; money at risk by algo and instrument (heat map or table); each algo's state and
 * drawdown; the daily max-risk trend; and the limits editor. Everything is the agent's, refreshed
 * as it changes.
 */
import { Alert, Card, Col, Row, Space, Statistic, Typography } from 'antd';
import { useEffect } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { KillSwitch } from '../../components/kill-switch';
import { directionOf, formatPnl, formatQuantity, formatRupees, formatRupeesCompact } from '../../format/numbers';
import { formatDateTime } from '../../format/time';
import { AlgoStatesCard, TradingStateTag } from './algo-states';
import { RiskByAlgoCard } from './risk-heatmap';
import { LimitsEditor } from './limits-editor';
import { RiskTrendCard } from './risk-trend';

function Figure({ title, value, note, tone, testId }: { title: string; value: string; note: string; tone?: string; testId?: string }) {
  return (
    <Card size="small">
      <Statistic title={title} value={value} valueStyle={{ fontSize: 20, fontVariantNumeric: 'tabular-nums', color: tone === 'up' ? 'var(--up)' : tone === 'down' ? 'var(--down)' : undefined }} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={testId}>
        {note}
      </Typography.Text>
    </Card>
  );
}

export function RiskPage() {
  const deck = useDeck();
  const summary = useSlice(deck.risk, (slice) => slice.summary);
  const error = useSlice(deck.risk, (slice) => slice.error);
  const changes = useSlice(deck.risk, (slice) => slice.changes);
  useEffect(() => deck.risk.getState().watch(), [deck]);

  const totals = summary?.totals;
  const limits = summary?.limits.global;
  const state = summary?.state;
  const held = summary ? Object.values(summary.algos).filter((algo) => algo.state !== 'ACTIVE').length : 0;

  return (
    <div className="page" data-testid="risk-page">
      <div className="page-head">
        <Space align="center" size={12} wrap>
          <Typography.Title level={4} style={{ margin: 0 }}>
            Risk
          </Typography.Title>
          {state ? (
            <Space size={6} data-testid="global-state">
              <TradingStateTag state={state.state} testId="global-state-tag" />
              <Typography.Text type="secondary">
                {state.killSwitch ? 'Kill switch engaged' : (state.reason ?? 'Orders pass the risk checks')} · since {formatDateTime(state.since)}
                {held > 0 ? ` · ${held} ${held === 1 ? 'algo' : 'algos'} held back on their own` : ''}
              </Typography.Text>
            </Space>
          ) : (
            <Typography.Text type="secondary">Loading…</Typography.Text>
          )}
        </Space>
        <KillSwitch large />
      </div>
      {error ? <Alert type="error" showIcon message={`The risk figures could not be read: ${error.message}`} style={{ marginBottom: 10 }} /> : null}
      <Row gutter={[10, 10]} style={{ marginBottom: 10 }}>
        <Col xs={12} xl={6}>
          <Figure title="Money at risk" value={totals ? formatRupees(totals.moneyAtRisk, 0) : '…'} note={`across every algo · ${limits?.maxRisk === undefined ? 'no limit' : `limit ${formatRupeesCompact(limits.maxRisk)}`}`} testId="risk-total-note" />
        </Col>
        <Col xs={12} xl={6}>
          <Figure
            title="Day's P&L"
            value={totals ? formatPnl(totals.dayPnl, 0) : '…'}
            tone={directionOf(Math.round((totals?.dayPnl ?? 0) * 100))}
            note={`since the session opened · ${limits?.maxDailyLoss === undefined ? 'no loss limit' : `loss limit ${formatRupeesCompact(limits.maxDailyLoss)}`}`}
          />
        </Col>
        <Col xs={12} xl={6}>
          <Figure title="Drawdown" value={totals ? formatRupees(totals.drawdown, 0) : '…'} tone={totals && totals.drawdown > 0 ? 'down' : undefined} note={`below the day's peak · ${limits?.maxDrawdown === undefined ? 'no limit' : `limit ${formatRupeesCompact(limits.maxDrawdown)}`}`} />
        </Col>
        <Col xs={12} xl={6}>
          <Figure title="Open positions" value={totals ? formatQuantity(totals.openPositions) : '…'} note={`positions and orders that open one · ${limits?.maxOpenPositions === undefined ? 'no limit' : `limit ${formatQuantity(limits.maxOpenPositions)}`}`} />
        </Col>
      </Row>
      <RiskByAlgoCard summary={summary} />
      <AlgoStatesCard summary={summary} changes={changes} setState={(input) => deck.risk.getState().setTradingState(input)} />
      <RiskTrendCard />
      <LimitsEditor summary={summary} />
    </div>
  );
}
