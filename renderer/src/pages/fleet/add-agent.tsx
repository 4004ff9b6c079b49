/** Adding a machine to the fleet: a new join token, shown once, and the command to run there. */
import { Alert, App, Button, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import type { AgentConnection } from '../../agent/agent-connection';
import { type ShownError, shownError } from '../../stores/errors';

export function AddAgent({ open, onClose, connection }: { open: boolean; onClose: () => void; connection: AgentConnection }) {
  const { message } = App.useApp();
  const [label, setLabel] = useState('');
  const [made, setMade] = useState<{ token: string; join: string } | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const make = async () => {
    setBusy(true);
    setError(null);
    try {
      setMade(await connection.api.call('createJoinToken', label.trim() ? { label: label.trim() } : {}));
    } catch (caught) {
      setError(shownError(caught));
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    setMade(null);
    setLabel('');
    setError(null);
    onClose();
  };
  return (
    <Modal title="Add an agent to the fleet" open={open} onCancel={close} footer={made ? <Button onClick={close}>Done</Button> : <Button type="primary" loading={busy} onClick={() => void make()} data-testid="make-join-token">Make a join token</Button>}>
      <Typography.Paragraph>
        On the new machine (an EC2 instance, a Docker container, another computer), run the agent with a join token of this hub. It dials out to the hub, so it needs no open port; off this computer the hub must be reached over TLS (wss://). See docs/fleet.md.
      </Typography.Paragraph>
      {error ? <Alert type="error" showIcon message={error.message} style={{ marginBottom: 12 }} /> : null}
      {made ? (
        <>
          <Alert type="warning" showIcon message="The token is shown this once: copy the command now." style={{ marginBottom: 12 }} />
          <Typography.Paragraph copyable={{ text: made.join, onCopy: () => void message.success('Copied') }} className="mono join-command" data-testid="join-command">
            {made.join}
          </Typography.Paragraph>
          <Typography.Text type="secondary">Replace the address with one the machine reaches this hub by, and NAME with its name.</Typography.Text>
        </>
      ) : (
        <Input placeholder="What it is for (optional): ec2 Mumbai" value={label} onChange={(event) => setLabel(event.target.value)} maxLength={64} />
      )}
    </Modal>
  );
}
