/** Sign in with the agent's token or the dashboard password; the agent's refusal is shown as it is. */
import { LockOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useStore } from 'zustand';
import { type SessionStore, tokenProblem } from '../../stores/session-store';


export function SignInPage(props: { session: SessionStore; agentUrl: string }) {
  const [kind, setKind] = useState<'token' | 'password'>('token');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const error = useStore(props.session, (slice) => slice.error);
  const problem = kind === 'token' ? tokenProblem(secret.trim()) : null;
  const submit = async () => {
    if (problem || secret.length === 0) return;
    setBusy(true);
    const ok = await props.session.getState().signIn(kind === 'token' ? { token: secret.trim() } : { password: secret });
    setBusy(false);
    if (ok) setSecret('');
  };
  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: 'var(--ant-color-bg-layout)' }}>
      <Card style={{ width: 400 }} data-testid="sign-in">
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          <span style={{ color: 'var(--ant-color-primary)' }}>◆</span> AlgoDeck
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          Sign in to the agent at <Typography.Text code>{props.agentUrl}</Typography.Text>.
        </Typography.Paragraph>
        <Segmented
          block
          value={kind}
          onChange={(value) => (setKind(value as 'token' | 'password'), setSecret(''))}
          options={[
            { label: 'Agent token', value: 'token' },
            { label: 'Password', value: 'password' },
          ]}
          style={{ marginBottom: 16 }}
        />
        <Form layout="vertical" onFinish={() => void submit()}>
          <Form.Item
            label={kind === 'token' ? 'Agent token' : 'Dashboard password'}
            validateStatus={problem || error ? 'error' : undefined}
            help={problem ?? error?.message}
            extra={kind === 'token' ? 'Printed by the agent at start, and kept in agent-token in its data folder.' : 'Set in Settings after a first sign-in with the token.'}
          >
            <Input.Password
              autoFocus
              prefix={<LockOutlined />}
              value={secret}
              onChange={(event) => setSecret(event.target.value)}
              autoComplete={kind === 'token' ? 'off' : 'current-password'}
              aria-label={kind === 'token' ? 'Agent token' : 'Dashboard password'}
              data-testid="secret"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} disabled={secret.length === 0 || problem !== null} data-testid="sign-in-button">
            Sign in
          </Button>
        </Form>
        {kind === 'password' ? (
          <Alert style={{ marginTop: 16 }} type="info" showIcon message="No password yet? Sign in with the token, then set one in Settings." />
        ) : null}
      </Card>
    </div>
  );
}
