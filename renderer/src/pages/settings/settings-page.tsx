/**
 * This browser's theme and palette, the agent's address and version, the dashboard password, and
 * sign-out; in the desktop app, its agents and starting at login instead of sign-out.
 */
import { LogoutOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Descriptions, Form, Input, Row, Segmented, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { desktopStore, session } from '../../app/session';
import { settings, useSettings } from '../../app/settings';
import { formatDateTime, formatDuration } from '../../format/time';
import { type ShownError, shownError } from '../../stores/errors';
import type { Palette, ThemeChoice } from '../../stores/settings-store';
import { passwordProblem } from '../../stores/agent-store';
import { AgentsCard, DesktopAppCard } from './desktop-cards';


export function SettingsPage() {
  const deck = useDeck();
  const { message } = App.useApp();
  const theme = useSettings((slice) => slice.theme);
  const palette = useSettings((slice) => slice.palette);
  const health = useSlice(deck.system, (slice) => slice.health);
  const info = useSlice(deck.system, (slice) => slice.session);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => deck.system.getState().watch(), [deck]);
  const problem = passwordProblem(password, repeat);

  const save = async () => {
    setBusy(true);
    try {
      await deck.system.getState().setPassword(password);
      setPassword('');
      setRepeat('');
      setError(null);
      message.success('Password set. Other browsers were signed out.');
    } catch (caught) {
      setError(shownError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page" data-testid="settings-page">
      <Row gutter={12}>
        <Col xs={24} xl={12}>
          <Card size="small" title="Appearance" style={{ marginBottom: 12 }}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label="Theme">
                <Segmented<ThemeChoice>
                  value={theme}
                  onChange={(value) => settings.getState().setTheme(value)}
                  options={[
                    { value: 'system', label: 'Follow the OS' },
                    { value: 'dark', label: 'Dark' },
                    { value: 'light', label: 'Light' },
                  ]}
                  data-testid="theme"
                />
              </Descriptions.Item>
              <Descriptions.Item label="Up / down colours">
                <Segmented<Palette>
                  value={palette}
                  onChange={(value) => settings.getState().setPalette(value)}
                  options={[
                    { value: 'green-red', label: <span><span className="up">▲ green</span> / <span className="down">▼ red</span></span> },
                    { value: 'blue-orange', label: 'Blue / orange (colour-blind safe)' },
                  ]}
                />
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title="Agent">
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label="Address">
                <Typography.Text code copyable>
                  {deck.agent.url}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label="Version">{health?.version ?? '…'}</Descriptions.Item>
              <Descriptions.Item label="Uptime">{formatDuration(health?.uptimeSeconds)}</Descriptions.Item>
              {desktopStore ? (
                <Descriptions.Item label="Reached with">the token this app holds for it (in the OS keychain)</Descriptions.Item>
              ) : (
                <>
                  <Descriptions.Item label="Signed in as">{info ? (info.principal === 'session' ? 'browser session' : info.principal) : '…'}</Descriptions.Item>
                  <Descriptions.Item label="Session ends if unused">{formatDateTime(info?.expiresAt)}</Descriptions.Item>
                </>
              )}
            </Descriptions>
            {desktopStore ? null : (
              <Button style={{ marginTop: 12 }} icon={<LogoutOutlined />} onClick={() => void session.getState().signOut()} data-testid="sign-out">
                Sign out
              </Button>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          {desktopStore ? (
            <>
              <AgentsCard store={desktopStore} />
              <DesktopAppCard store={desktopStore} />
            </>
          ) : null}
          <Card size="small" title={info?.passwordSet ? 'Change the dashboard password' : 'Set a dashboard password'}>
            <Typography.Paragraph type="secondary">
              Sign in from any browser with a password instead of the agent's token. It is kept as a salted scrypt hash; setting it signs every other browser out.
            </Typography.Paragraph>
            <Form layout="vertical" onFinish={() => void save()}>
              <Form.Item label="New password" validateStatus={problem || error ? 'error' : undefined} help={problem ?? error?.message}>
                <Input.Password value={password} onChange={(event) => (setPassword(event.target.value), setError(null))} autoComplete="new-password" aria-label="New password" />
              </Form.Item>
              <Form.Item label="Repeat it">
                <Input.Password value={repeat} onChange={(event) => setRepeat(event.target.value)} autoComplete="new-password" aria-label="Repeat the password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={busy} disabled={password.length < 10 || repeat !== password || problem !== null}>
                {info?.passwordSet ? 'Change password' : 'Set password'}
              </Button>
            </Form>
          </Card>
        </Col>
      </Row>
    </div>
  );
}
