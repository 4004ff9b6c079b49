/**
 * Settings that exist only in the desktop app: the agents it knows (this computer's and remote
 * ones by URL and token) with the one the window shows, the market this computer's agent runs
 * on, and starting AlgoDeck at login.
 */
import { CheckCircleFilled, CloudServerOutlined, DeleteOutlined, DesktopOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, List, Popconfirm, Segmented, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { AGENT_ADDRESS_PROBLEMS, agentAddress } from '../../../../shared/agent-address';
import type { MarketProvider } from '../../../../shared/desktop';
import type { DesktopStore } from '../../stores/desktop-store';
import { tokenProblem } from '../../stores/session-store';

/** What is wrong with an address as typed (null while empty or good). */
function addressProblem(url: string): string | null {
  if (url.trim() === '') return null;
  const address = agentAddress(url.trim());
  return address.ok ? null : AGENT_ADDRESS_PROBLEMS[address.problem];
}

export function AgentsCard(props: { store: DesktopStore }) {
  const { store } = props;
  const agents = useStore(store, (slice) => slice.agents);
  const selected = useStore(store, (slice) => slice.selected);
  const busy = useStore(store, (slice) => slice.busy);
  const failed = useStore(store, (slice) => slice.failed);
  const error = useStore(store, (slice) => (failed === 'provider' || failed === 'start-at-login' ? null : slice.error));
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  useEffect(() => void store.getState().load(), [store]);

  const problems = {
    name: name.length > 60 ? 'At most 60 characters.' : null,
    url: addressProblem(url),
    token: tokenProblem(token.trim()),
  };
  // The shell's refusal, under the field it names (a certificate or a closed port: the address).
  const refusal = (field: 'name' | 'url' | 'token') => (error && error.field === field ? error.message : null);
  const status = (field: 'name' | 'url' | 'token') => (problems[field] ?? refusal(field) ? ('error' as const) : undefined);
  const ready = name.trim() !== '' && url.trim() !== '' && token.trim() !== '' && !problems.name && !problems.url && !problems.token;

  const add = async () => {
    if (await store.getState().add({ name: name.trim(), url: url.trim(), token: token.trim() })) {
      setName('');
      setUrl('');
      setToken('');
    }
  };

  return (
    <Card size="small" title="Agents" style={{ marginBottom: 12 }} data-testid="desktop-agents">
      <List
        size="small"
        dataSource={agents}
        renderItem={(agent) => {
          const showing = agent.id === selected;
          return (
            <List.Item
              data-testid="desktop-agent"
              data-agent={agent.name}
              actions={[
                showing ? (
                  <Tag key="showing" color="processing" icon={<CheckCircleFilled />}>
                    Showing
                  </Tag>
                ) : (
                  <Button key="show" size="small" loading={busy === `select:${agent.id}`} onClick={() => void store.getState().select(agent.id)} data-testid="show-agent">
                    Show
                  </Button>
                ),
                agent.embedded ? null : (
                  <Popconfirm
                    key="remove"
                    title={`Remove ${agent.name}?`}
                    description="Its token is deleted from this computer's keychain. The agent keeps running."
                    okText="Remove"
                    okButtonProps={{ danger: true }}
                    onConfirm={() => store.getState().remove(agent.id)}
                  >
                    <Button size="small" danger type="text" icon={<DeleteOutlined />} loading={busy === `remove:${agent.id}`} aria-label={`Remove ${agent.name}`} />
                  </Popconfirm>
                ),
              ]}
            >
              <List.Item.Meta
                avatar={agent.embedded ? <DesktopOutlined /> : <CloudServerOutlined />}
                title={agent.name}
                description={<Typography.Text type="secondary" code>{agent.url || 'starting…'}</Typography.Text>}
              />
            </List.Item>
          );
        }}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 8 }}>
        Add an agent running on another machine (EC2, Docker): its address over https and its token (printed when it starts). Its
        certificate must be one this computer trusts; the token is kept in the OS keychain.
      </Typography.Paragraph>
      <Form layout="vertical" onFinish={() => void add()} data-testid="add-agent-form" requiredMark={false}>
        <div style={{ display: 'flex', gap: 8 }}>
          <Form.Item label="Name" style={{ flex: 1 }} validateStatus={status('name')} help={problems.name ?? refusal('name')}>
            <Input value={name} onChange={(event) => (setName(event.target.value), store.getState().clearError())} placeholder="EC2 Mumbai" aria-label="Agent name" maxLength={80} />
          </Form.Item>
          <Form.Item label="Address" style={{ flex: 2 }} validateStatus={status('url')} help={problems.url ?? refusal('url')}>
            <Input value={url} onChange={(event) => (setUrl(event.target.value), store.getState().clearError())} placeholder="https://agent.example.net:7420" aria-label="Agent address" spellCheck={false} />
          </Form.Item>
        </div>
        <Form.Item label="Token" validateStatus={status('token')} help={problems.token ?? refusal('token')}>
          <Input.Password value={token} onChange={(event) => (setToken(event.target.value), store.getState().clearError())} aria-label="Agent token" autoComplete="off" />
        </Form.Item>
        {error && !error.field ? <Alert type="error" showIcon message={error.message} style={{ marginBottom: 12 }} /> : null}
        <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={busy === 'add'} disabled={!ready} data-testid="add-agent">
          Add agent
        </Button>
      </Form>
    </Card>
  );
}

const MARKETS: Record<MarketProvider, string> = { sim: 'Simulated market', kite: 'Zerodha Kite' };

export function DesktopAppCard(props: { store: DesktopStore }) {
  const settings = useStore(props.store, (slice) => slice.settings);
  const busy = useStore(props.store, (slice) => slice.busy);
  const failed = useStore(props.store, (slice) => slice.failed);
  const error = useStore(props.store, (slice) => (failed === 'provider' || failed === 'start-at-login' ? slice.error : null));
  const { modal } = App.useApp();
  const switchTo = (provider: MarketProvider) =>
    modal.confirm({
      title: `Restart this computer's agent on ${MARKETS[provider]}?`,
      content:
        provider === 'kite'
          ? 'The ticker stops and starts again on Kite: set your Kite app\'s key and secret on the Broker page, then log in there. Watchlists and subscriptions are kept.'
          : 'The ticker stops and starts again on the simulated market. Watchlists and subscriptions are kept.',
      okText: 'Restart',
      onOk: () => props.store.getState().setProvider(provider),
    });
  return (
    <Card size="small" title="Desktop app" style={{ marginBottom: 12 }} data-testid="desktop-app">
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <span>Market data on this computer:</span>
          <Segmented<MarketProvider>
            value={settings?.provider ?? 'sim'}
            disabled={busy === 'provider'}
            onChange={switchTo}
            options={(Object.keys(MARKETS) as MarketProvider[]).map((value) => ({ value, label: MARKETS[value] }))}
            data-testid="provider"
          />
        </Space>
        {error ? <Alert type="error" showIcon message={error.message} /> : null}
        <Space>
          <Switch checked={settings?.startAtLogin ?? false} loading={busy === 'start-at-login'} onChange={(on) => void props.store.getState().setStartAtLogin(on)} aria-label="Start AlgoDeck at login" />
          <span>Start AlgoDeck when I log in to this computer (in the tray, the agent and ticker running)</span>
        </Space>
        {settings?.secretStorageProblem ? <Alert type="warning" showIcon message="Secrets cannot be stored on this computer" description={settings.secretStorageProblem} /> : null}
      </Space>
    </Card>
  );
}
