/**
 * The day at a glance: the day's P&L, money at risk and the trading state; the ticker (state,
 * rate, stale), the broker session, what is subscribed, the agent's uptime, the algos running and
 * the agents online; and shortcuts for everyday actions. A first run says what to do next.
 */
import { ApiOutlined, ClockCircleOutlined, CloudServerOutlined, CloudUploadOutlined, FundOutlined, LineChartOutlined, PlusOutlined, ProfileOutlined, RobotOutlined, SafetyOutlined, ThunderboltOutlined, WarningOutlined, ClusterOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, List, Row, Space, Statistic, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { navigate } from '../../app/router';
import { directionOf, formatPnl, formatQuantity, formatRupees, formatRupeesCompact } from '../../format/numbers';
import { formatDateTime, formatDuration, istDayOf } from '../../format/time';
import { isOpen } from '../../stores/orders-store';
import { Movers } from './movers';

function Figure(props: { title: string; value: React.ReactNode; icon: React.ReactNode; note?: React.ReactNode; tone?: 'good' | 'bad' | 'warn'; onClick?: () => void; testId?: string }) {
  const colour = props.tone === 'good' ? 'var(--up)' : props.tone === 'bad' ? 'var(--down)' : props.tone === 'warn' ? 'var(--ant-color-warning)' : undefined;
  return (
    <Card size="small" hoverable={props.onClick !== undefined} onClick={props.onClick} data-testid={props.testId}>
      <Statistic title={<Space size={6}>{props.icon}{props.title}</Space>} value={typeof props.value === 'string' || typeof props.value === 'number' ? props.value : undefined} formatter={typeof props.value === 'object' ? () => props.value : undefined} valueStyle={{ color: colour, fontSize: 22, fontVariantNumeric: 'tabular-nums' }} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {props.note ?? '\u00a0'}
      </Typography.Text>
    </Card>
  );
}

export function HomePage() {
  const deck = useDeck();
  const ticker = useSlice(deck.ticker, (slice) => slice.ticker);
  const broker = useSlice(deck.broker, (slice) => slice.broker);
  const health = useSlice(deck.system, (slice) => slice.health);
  const healthAt = useSlice(deck.system, (slice) => slice.healthAt);
  const session = useSlice(deck.system, (slice) => slice.session);
  const lists = useSlice(deck.watchlists, (slice) => slice.lists);
  const agents = useSlice(deck.fleet, (slice) => slice.agents);
  const risk = useSlice(deck.risk, (slice) => slice.summary);
  const orders = useSlice(deck.orders, (slice) => slice.orders);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => deck.ticker.getState().watch(), [deck]);
  useEffect(() => deck.system.getState().watch(), [deck]);
  useEffect(() => deck.broker.getState().watch(), [deck]);
  useEffect(() => deck.fleet.getState().watch(), [deck]);
  useEffect(() => deck.risk.getState().watch(), [deck]);
  useEffect(() => deck.orders.getState().watch(), [deck]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);

  const uptime = health && healthAt ? health.uptimeSeconds + Math.max(0, now - healthAt) / 1000 : null;
  const stale = ticker?.stale.length ?? 0;
  const subscribed = ticker?.subscriptions.length ?? 0;
  const loggedIn = broker?.session === 'logged-in';
  const brokerName = broker?.provider === 'kite' ? 'Zerodha Kite' : 'Simulated market';
  const algos = agents?.reduce((sum, agent) => ({ running: sum.running + agent.tasks.running, total: sum.total + agent.tasks.total, errored: sum.errored + agent.tasks.errored }), { running: 0, total: 0, errored: 0 });
  const online = agents?.filter((agent) => agent.status === 'online').length ?? 0;
  const totals = risk?.totals;
  const pnlTone = directionOf(Math.round((totals?.dayPnl ?? 0) * 100));
  const maxRisk = risk?.limits.global.maxRisk;
  const held = risk ? Object.values(risk.algos).filter((algo) => algo.state !== 'ACTIVE').length : 0;
  const today = orders?.filter((order) => istDayOf(order.createdAt) === istDayOf(now));
  const openOrders = today?.filter(isOpen).length ?? 0;
  const refused = today?.filter((order) => order.state === 'rejected').length ?? 0;

  return (
    <div className="page" data-testid="home-page">
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        Today
      </Typography.Title>
      {ticker && subscribed === 0 ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          message="Nothing is ticking yet"
          description="Subscribe instruments on the ticker page, or search and add them to a watchlist on the left: prices start at once."
          action={<Button type="primary" onClick={() => navigate('/ticker?add=1')}>Add instruments</Button>}
        />
      ) : null}
      {broker?.provider === 'kite' && !loggedIn ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          message={broker.session === 'expired' ? 'The Kite session expired (it does every morning at about 06:00 IST).' : 'Log in to Kite to start market data.'}
          action={<Button onClick={() => navigate('/broker')}>Broker login</Button>}
        />
      ) : null}
      {session && !session.passwordSet && session.principal === 'session' ? (
        <Alert type="info" showIcon closable style={{ marginBottom: 12 }} message="Set a dashboard password to sign in without the agent's token." action={<Button onClick={() => navigate('/settings')}>Set password</Button>} />
      ) : null}
      <Row gutter={[12, 12]}>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-pnl"
            title="Day's P&L"
            icon={<FundOutlined />}
            value={totals ? formatPnl(totals.dayPnl) : '…'}
            tone={pnlTone === 'up' ? 'good' : pnlTone === 'down' ? 'bad' : undefined}
            note={totals ? (totals.openPositions === 0 && totals.pnl === 0 ? 'no trades yet: place one with B or S' : `drawdown ${formatRupees(totals.drawdown, 0)} from the day's peak`) : undefined}
            onClick={() => navigate('/orders')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-at-risk"
            title="Money at risk"
            icon={<WarningOutlined />}
            value={totals ? formatRupees(totals.moneyAtRisk, 0) : '…'}
            tone={maxRisk !== undefined && totals && totals.moneyAtRisk >= 0.8 * maxRisk ? 'warn' : undefined}
            note={totals ? `${formatQuantity(totals.openPositions)} open positions · ${maxRisk === undefined ? 'no portfolio limit' : `limit ${formatRupeesCompact(maxRisk)}`}` : undefined}
            onClick={() => navigate('/risk')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-trading"
            title="Trading"
            icon={<SafetyOutlined />}
            value={risk ? risk.state.state : '…'}
            tone={risk ? (risk.state.state === 'ACTIVE' ? 'good' : risk.state.state === 'HALTED' ? 'bad' : 'warn') : undefined}
            note={risk ? (risk.state.killSwitch ? 'the kill switch is engaged' : (risk.state.reason ?? (held > 0 ? `${held} ${held === 1 ? 'algo' : 'algos'} held back on their own` : 'orders pass the risk checks'))) : undefined}
            onClick={() => navigate('/risk')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-orders"
            title="Orders today"
            icon={<ProfileOutlined />}
            value={today ? formatQuantity(today.length) : '…'}
            tone={refused > 0 ? 'warn' : undefined}
            note={today ? (today.length === 0 ? 'none yet: B or S on an instrument' : `${openOrders} open · ${refused} refused`) : undefined}
            onClick={() => navigate('/orders')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-ticker"
            title="Ticker"
            icon={<ThunderboltOutlined />}
            value={ticker ? (ticker.state === 'running' ? 'Running' : 'Needs login') : '…'}
            tone={ticker?.state === 'running' ? 'good' : 'bad'}
            note={ticker ? `${ticker.workers.length} workers · ${ticker.workers.filter((worker) => worker.state === 'ready').length} ready` : undefined}
            onClick={() => navigate('/ticker')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure testId="figure-rate" title="Tick rate" icon={<LineChartOutlined />} value={ticker ? `${formatQuantity(ticker.ticksPerSecond)}/s` : '…'} note={`${formatQuantity(deck.feed.prices.received)} ticks to this page`} />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-stale"
            title="Stale instruments"
            icon={<WarningOutlined />}
            value={stale}
            tone={stale > 0 ? 'warn' : 'good'}
            note={stale > 0 ? ticker!.stale.slice(0, 3).join(', ') + (stale > 3 ? ` and ${stale - 3} more` : '') : `none silent for ${((ticker?.staleAfterMs ?? 10_000) / 1000).toFixed(0)} s`}
            onClick={() => navigate('/ticker')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure testId="figure-subscribed" title="Subscribed" icon={<ClusterOutlined />} value={formatQuantity(subscribed)} note={`${lists.length} watchlists`} onClick={() => navigate('/ticker')} />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-broker"
            title="Broker session"
            icon={<ApiOutlined />}
            value={broker ? (loggedIn ? 'Logged in' : broker.session === 'expired' ? 'Expired' : 'Login needed') : '…'}
            tone={loggedIn ? 'good' : 'bad'}
            note={broker ? (broker.provider === 'sim' ? `${brokerName}: no login needed` : `${brokerName}${broker.expiresAt ? ` · until ${formatDateTime(broker.expiresAt)}` : ''}`) : undefined}
            onClick={() => navigate('/broker')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure testId="figure-uptime" title="Agent uptime" icon={<ClockCircleOutlined />} value={formatDuration(uptime)} note={health ? `version ${health.version}` : undefined} />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-algos"
            title="Algos running"
            icon={<RobotOutlined />}
            value={algos ? `${algos.running} of ${algos.total}` : '…'}
            tone={algos && algos.errored > 0 ? 'bad' : algos && algos.running > 0 ? 'good' : undefined}
            note={algos ? (algos.total === 0 ? 'none yet: submit one on the Algos page' : algos.errored > 0 ? `${algos.errored} errored` : 'none errored') : undefined}
            onClick={() => navigate('/algos')}
          />
        </Col>
        <Col xs={12} xl={6} xxl={4}>
          <Figure
            testId="figure-agents"
            title="Agents online"
            icon={<CloudServerOutlined />}
            value={agents ? `${online} of ${agents.length}` : '…'}
            tone={agents ? (online === agents.length ? 'good' : 'warn') : undefined}
            note={agents ? (agents.length === 1 ? 'this computer: add a machine on the Fleet page' : (agents.filter((agent) => agent.status === 'offline').map((agent) => `${agent.name} offline`).slice(0, 2).join(', ') || 'all reachable')) : undefined}
            onClick={() => navigate('/fleet')}
          />
        </Col>
      </Row>
      <Row gutter={12} style={{ marginTop: 12 }}>
        <Col xs={24} xl={12}>
          <Movers />
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title="Shortcuts" style={{ marginBottom: 12 }}>
            <Space wrap>
              <Button icon={<LineChartOutlined />} onClick={() => navigate('/market')}>Open market watch</Button>
              <Button icon={<ProfileOutlined />} onClick={() => deck.orders.getState().openTicket({ side: 'BUY', instrument: deck.watchlists.getState().selected })}>Place an order</Button>
              <Button icon={<SafetyOutlined />} onClick={() => navigate('/risk')}>Set risk limits</Button>
              <Button icon={<PlusOutlined />} onClick={() => navigate('/ticker?add=1')}>Add instruments to the ticker</Button>
              <Button icon={<ApiOutlined />} onClick={() => navigate('/broker')} disabled={broker?.provider === 'sim'} title={broker?.provider === 'sim' ? 'The simulated market needs no login' : undefined}>
                Broker login
              </Button>
              <Button icon={<ThunderboltOutlined />} onClick={() => navigate('/ticker')}>Change the worker count</Button>
              <Button icon={<CloudUploadOutlined />} onClick={() => navigate('/algos')}>Start or submit an algo</Button>
            </Space>
          </Card>
          <Card size="small" title="Keyboard">
            <List
              size="small"
              split={false}
              dataSource={[
                ['/', 'search instruments and add to the watchlist'],
                ['1 – 7', 'switch watchlists'],
                ['↑ ↓', 'move through the watchlist'],
                ['C', 'chart the selected instrument'],
                ['B  S', 'buy or sell the selected instrument (the order ticket; Esc closes)'],
                ['Alt + H M O R A F T B S', 'Home, Market watch, Orders, Risk, Algos, Fleet, Ticker, Broker, Settings'],
              ]}
              renderItem={([keys, what]) => (
                <List.Item style={{ padding: '2px 0' }}>
                  <Tag className="mono">{keys}</Tag> {what}
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
