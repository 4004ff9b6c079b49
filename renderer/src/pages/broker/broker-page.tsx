/**
 * The broker: the Kite session (who, since when, until when), the login (Kite's page in a new
 * window; the agent's callback finishes it; in the desktop app, the shell's login window), the logout, the app's credentials (the secret is
 * write-only) and the instruments master.
 */
import { CopyOutlined, LoginOutlined, LogoutOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Badge, Button, Card, Col, Descriptions, Form, Input, Popconfirm, Row, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import type { BrokerState } from '../../../../shared/contract/api';
import { useDeck, useSlice } from '../../app/deck';
import { desktop } from '../../app/session';
import { formatQuantity } from '../../format/numbers';
import { formatDateTime } from '../../format/time';
import { type ShownError, shownError } from '../../stores/errors';

export function BrokerPage() {
  const deck = useDeck();
  const { message } = App.useApp();
  const broker = useSlice(deck.broker, (slice) => slice.broker);
  const error = useSlice(deck.broker, (slice) => slice.error);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => deck.broker.getState().watch(), [deck]);

  const run = async (what: string, action: () => Promise<unknown>, done?: string) => {
    setBusy(what);
    try {
      await action();
      if (done) message.success(done);
    } catch (caught) {
      message.error(shownError(caught).message);
    } finally {
      setBusy(null);
    }
  };

  const login = () =>
    run('login', async () => {
      if (desktop) {
        // The desktop app opens Kite in its own login window and takes the redirect itself.
        const result = await desktop.brokerLogin();
        await deck.broker.getState().refresh();
        if (result.ok) message.success(result.message);
        else message.error(result.message);
        return;
      }
      // Opened at once (a popup blocker allows it within the click), then pointed at Kite.
      const popup = window.open('about:blank', 'algodeck-kite-login', 'width=520,height=720');
      try {
        const url = await deck.broker.getState().loginUrl();
        if (popup) popup.location.href = url;
        else window.location.assign(url);
      } catch (caught) {
        popup?.close();
        throw caught;
      }
    });

  if (!broker) return <div className="page">{error ? <Alert type="error" showIcon message={error.message} /> : 'Loading…'}</div>;
  const sim = broker.provider === 'sim';
  const sessionTag = broker.session === 'logged-in' ? <Badge status="success" text="Logged in" /> : broker.session === 'expired' ? <Badge status="error" text="Expired" /> : <Badge status="warning" text="Login needed" />;
  return (
    <div className="page" data-testid="broker-page">
      <Row gutter={12}>
        <Col xs={24} xl={12}>
          <Card
            size="small"
            title={sim ? 'Simulated market' : 'Zerodha Kite session'}
            extra={
              sim ? null : (
                <Space>
                  <Button type="primary" icon={<LoginOutlined />} loading={busy === 'login'} disabled={!broker.credentials?.apiKey || !broker.credentials.apiSecretSet} onClick={() => void login()} data-testid="broker-login">
                    {broker.session === 'logged-in' ? 'Log in again' : 'Log in to Kite'}
                  </Button>
                  <Popconfirm title="Log out of Kite?" description="The access token is revoked; the ticker stops until the next login." okText="Log out" okButtonProps={{ danger: true }} onConfirm={() => run('logout', () => deck.broker.getState().logout(), 'Logged out of Kite')}>
                    <Button icon={<LogoutOutlined />} disabled={broker.session !== 'logged-in'} loading={busy === 'logout'}>
                      Log out
                    </Button>
                  </Popconfirm>
                </Space>
              )
            }
          >
            {sim ? (
              <Typography.Paragraph type="secondary">
                Prices come from AlgoDeck's simulated market: no account and no login needed. Start the agent with <Typography.Text code>--provider kite</Typography.Text> to trade through Zerodha Kite.
              </Typography.Paragraph>
            ) : null}
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label="Session">{sessionTag}</Descriptions.Item>
              <Descriptions.Item label="User">{broker.userId ? `${broker.userName ?? ''} (${broker.userId})` : '—'}</Descriptions.Item>
              <Descriptions.Item label="Logged in">{formatDateTime(broker.loggedInAt)}</Descriptions.Item>
              <Descriptions.Item label="Expires">{formatDateTime(broker.expiresAt)}</Descriptions.Item>
              {broker.redirectUrl ? (
                <Descriptions.Item label="Redirect URL">
                  <Typography.Text code copyable={{ icon: <CopyOutlined />, tooltips: ['Copy: register it in your Kite app', 'Copied'] }}>
                    {broker.redirectUrl}
                  </Typography.Text>
                </Descriptions.Item>
              ) : null}
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          {sim ? null : (
            <CredentialsForm broker={broker} />
          )}
          <Card
            size="small"
            title="Instruments master"
            extra={
              <Button size="small" icon={<ReloadOutlined />} loading={busy === 'instruments'} onClick={() => run('instruments', () => deck.broker.getState().refreshInstruments(), 'Instruments downloaded')}>
                Download now
              </Button>
            }
          >
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label="Instruments">
                <span className="num">{formatQuantity(broker.instruments.count)}</span>
              </Descriptions.Item>
              <Descriptions.Item label="Downloaded">{formatDateTime(broker.instruments.refreshedAt)}</Descriptions.Item>
              <Descriptions.Item label="Next download">{formatDateTime(broker.instruments.nextRefreshAt)}</Descriptions.Item>
              {broker.instruments.lastError ? (
                <Descriptions.Item label="Last error">
                  <Typography.Text type="danger">{broker.instruments.lastError}</Typography.Text>
                </Descriptions.Item>
              ) : null}
              {broker.instruments.expired.length > 0 ? (
                <Descriptions.Item label="Expired, unsubscribed">
                  {broker.instruments.expired.map((id) => (
                    <Tag key={id}>{id}</Tag>
                  ))}
                </Descriptions.Item>
              ) : null}
            </Descriptions>
          </Card>
        </Col>
      </Row>
    </div>
  );
}

/** The Kite app's key and secret; the secret is write-only (the agent says only whether one is set). */
function CredentialsForm({ broker }: { broker: BrokerState }) {
  const deck = useDeck();
  const { message } = App.useApp();
  const [apiKey, setApiKey] = useState(broker.credentials?.apiKey ?? '');
  const [apiSecret, setApiSecret] = useState('');
  const [formError, setFormError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const keyProblem = apiKey.length > 64 ? 'At most 64 characters.' : null;
  const saveCredentials = async () => {
    setBusy('credentials');
    try {
      await deck.broker.getState().saveCredentials(apiKey.trim(), apiSecret);
      setApiSecret('');
      setFormError(null);
      message.success('Credentials saved; the secret is kept by the agent and never shown again.');
    } catch (caught) {
      setFormError(shownError(caught));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card size="small" title="Kite app credentials" style={{ marginBottom: 12 }}>
      <Form layout="vertical" onFinish={() => void saveCredentials()}>
        <Form.Item label="API key" validateStatus={keyProblem || formError?.field === 'apiKey' ? 'error' : undefined} help={keyProblem ?? (formError?.field === 'apiKey' ? formError.message : undefined)}>
          <Input value={apiKey} onChange={(event) => setApiKey(event.target.value)} autoComplete="off" aria-label="API key" />
        </Form.Item>
        <Form.Item
          label="API secret"
          validateStatus={formError && formError.field !== 'apiKey' ? 'error' : undefined}
          help={formError && formError.field !== 'apiKey' ? formError.message : broker.credentials?.apiSecretSet ? `A secret is set (kept in ${broker.credentials.store}); type a new one to replace it.` : 'Write-only: the agent keeps it and never shows it again.'}
        >
          <Input.Password value={apiSecret} onChange={(event) => setApiSecret(event.target.value)} autoComplete="new-password" placeholder={broker.credentials?.apiSecretSet ? '••••••••  (set)' : ''} aria-label="API secret" visibilityToggle={false} />
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={apiKey.trim() === '' || apiSecret === '' || keyProblem !== null} loading={busy === 'credentials'}>
          Save credentials
        </Button>
      </Form>
    </Card>
  );
}
