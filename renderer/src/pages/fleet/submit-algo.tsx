/**
 * Submitting an algo to any agent, no SSH: a script or a bundle (`.tar.gz`) uploaded and
 * registered, or a command already on the machine. The agent's refusal is shown next to the
 * field it names.
 */
import { InboxOutlined } from '@ant-design/icons';
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Segmented, Select, Switch, Typography, Upload } from 'antd';
import { useEffect, useState } from 'react';
import type { AgentWithHistory } from '../../../../shared/fleet';
import { RESTART_POLICIES, type RestartPolicy, type TaskInfo } from '../../../../shared/task';
import type { AgentConnection } from '../../agent/agent-connection';
import { type ShownError, shownError } from '../../stores/errors';

interface Values {
  agent: string;
  name: string;
  command?: string;
  entry?: string;
  args: string[];
  policy: RestartPolicy;
  stopTimeoutSeconds: number;
  start: boolean;
}

const BUNDLE = /\.(tar\.gz|tgz|tar)$/i;
/** Fields of the form by the names the agent's errors use. */
const FIELDS = new Set(['name', 'command', 'entry', 'args', 'stopTimeoutSeconds']);

export function SubmitAlgo({ open, onClose, agents, agentId, connection, onDone }: { open: boolean; onClose: () => void; agents: AgentWithHistory[]; agentId: string | null; connection: AgentConnection; onDone: (agent: string, task: TaskInfo) => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [kind, setKind] = useState<'upload' | 'command'>('upload');
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (open) form.setFieldsValue({ agent: agentId ?? agents[0]?.id ?? '' });
  }, [open, agentId, agents, form]);

  const submit = async (values: Values) => {
    setError(null);
    setFileError(null);
    if (kind === 'upload' && !file) return setFileError('Choose the script or bundle to upload.');
    const spec = {
      name: values.name,
      args: values.args ?? [],
      restart: { policy: values.policy },
      stopTimeoutSeconds: values.stopTimeoutSeconds,
      start: values.start,
      ...(values.command ? { command: values.command } : {}),
    };
    setBusy(true);
    try {
      const task =
        kind === 'upload'
          ? await connection.upload(values.agent, { ...spec, ...(values.entry ? { entry: values.entry } : {}) }, file!, file!.name)
          : await connection.at(values.agent).call('createTask', { ...spec, command: values.command ?? '' });
      const where = agents.find((a) => a.id === values.agent)?.name ?? 'the agent';
      message.success(`${task.name} ${values.start ? 'started' : 'registered'} on ${where}`);
      form.resetFields(['name', 'command', 'entry', 'args']);
      setFile(null);
      onDone(values.agent, task);
    } catch (caught) {
      const shown = shownError(caught);
      const field = shown.field?.split('.')[0];
      if (field === 'file') setFileError(shown.message);
      else if (field && FIELDS.has(field)) form.setFields([{ name: field as keyof Values, errors: [shown.message] }]);
      else setError(shown);
    } finally {
      setBusy(false);
    }
  };

  const online = agents.filter((agent) => agent.status === 'online');
  return (
    <Drawer title="Submit an algo" open={open} onClose={onClose} width={460} destroyOnHidden={false} data-testid="submit-drawer">
      <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={(values) => void submit(values)} initialValues={{ args: [], policy: 'on-failure', stopTimeoutSeconds: 10, start: true }}>
        {error ? <Alert type="error" showIcon message={error.message} style={{ marginBottom: 12 }} /> : null}
        <Form.Item label="Agent" name="agent" rules={[{ required: true, message: 'Choose the agent to run it on.' }]}>
          <Select options={online.map((agent) => ({ value: agent.id, label: `${agent.name}${agent.hub ? ' (hub)' : ''}` }))} aria-label="Agent" data-testid="submit-agent" />
        </Form.Item>
        <Form.Item label="Name" name="name" rules={[{ required: true, message: 'Name the algo.' }]}>
          <Input placeholder="MA crossover" maxLength={64} data-testid="submit-name" />
        </Form.Item>
        <Segmented block value={kind} onChange={setKind} options={[{ value: 'upload', label: 'Upload a script or bundle' }, { value: 'command', label: 'Run a command on the agent' }]} style={{ marginBottom: 12 }} />
        {kind === 'upload' ? (
          <>
            <Form.Item validateStatus={fileError ? 'error' : undefined} help={fileError ?? 'A .py, .js or .sh file, or a .tar.gz of the algo’s files (at most 10 MB).'}>
              <Upload.Dragger
                maxCount={1}
                beforeUpload={(chosen) => {
                  setFile(chosen);
                  setFileError(null);
                  return false;
                }}
                onRemove={() => setFile(null)}
                fileList={file ? [{ uid: 'chosen', name: file.name, status: 'done' }] : []}
                data-testid="submit-file"
              >
                <p className="ant-upload-drag-icon">
                  <InboxOutlined />
                </p>
                <p className="ant-upload-text">Drop the file here, or click to choose it</p>
              </Upload.Dragger>
            </Form.Item>
            {file && BUNDLE.test(file.name) ? (
              <Form.Item label="File to run in the bundle" name="entry" extra="A path inside it, such as algo/main.py; left empty, its one script at the top.">
                <Input placeholder="main.py" />
              </Form.Item>
            ) : null}
            <Form.Item label="Program" name="command" extra="Left empty, it follows the file: python3 for .py, node for .js, sh for .sh.">
              <Input placeholder="from the file" className="mono" />
            </Form.Item>
          </>
        ) : (
          <Form.Item label="Command" name="command" rules={[{ required: true, message: 'Give the program to run.' }]} extra="A path on the agent's machine, or a program on its PATH (no shell).">
            <Input placeholder="python3" className="mono" data-testid="submit-command" />
          </Form.Item>
        )}
        <Form.Item label="Arguments" name="args" extra="Each one as typed, Enter between them.">
          <Select mode="tags" open={false} suffixIcon={null} placeholder="--symbol NSE:INFY" className="mono" aria-label="Arguments" />
        </Form.Item>
        <Form.Item label="When it ends" name="policy">
          <Select
            options={RESTART_POLICIES.map((value) => ({
              value,
              label: value === 'on-failure' ? 'Restart it if it fails (recommended)' : value === 'always' ? 'Always restart it' : 'Leave it stopped',
            }))}
          />
        </Form.Item>
        <Form.Item label="Seconds to stop gracefully before it is killed" name="stopTimeoutSeconds">
          <InputNumber min={1} max={600} style={{ width: 100 }} />
        </Form.Item>
        <Form.Item label="Start it now" name="start" valuePropName="checked">
          <Switch data-testid="submit-start" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} block data-testid="submit-algo">
          Submit
        </Button>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 12 }}>
          It gets the agent&apos;s URL, its own token and its task id in its environment (ALGODECK_URL, ALGODECK_TASK_TOKEN, ALGODECK_TASK_ID).
        </Typography.Paragraph>
      </Form>
    </Drawer>
  );
}
