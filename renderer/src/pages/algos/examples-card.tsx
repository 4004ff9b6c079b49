/**
 * The example algos an agent registered and nobody started yet: one line each (what it does, its
 * language) with a start button, and where to read about writing one's own. Gone once each was
 * started.
 */
import { CaretRightOutlined, ExperimentOutlined } from '@ant-design/icons';
import { Button, Card, Tag, Typography } from 'antd';
import type { TaskInfo } from '../../../../shared/task';
import { useAction } from '../../components/use-action';
import type { AlgoAgent } from '../../stores/algo-rows';

/** What each example does, by its script (the pair runs twice, under two names). */
const DOES: Record<string, string> = {
  'ma-crossover.mjs': 'Long while the fast moving average of closes is above the slow one, with a stop-loss',
  'breakout.py': 'Buys a break above the highest high of recent bars, sells one below their lowest low, with a stop-loss',
  'risk-aware-pair.mjs': 'Buys a stock above its previous close, but stands down on one another algo already holds',
};

function scriptOf(task: TaskInfo): string {
  const path = task.args[0] ?? task.command;
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** The instruments it trades, from its arguments (`--instrument` or `--instruments`). */
function instrumentsOf(task: TaskInfo): string | null {
  const at = task.args.findIndex((arg) => arg === '--instrument' || arg === '--instruments');
  const value = at >= 0 ? task.args[at + 1] : undefined;
  return value ? value.split(',').map((id) => id.slice(id.indexOf(':') + 1)).join(', ') : null;
}

export function ExamplesCard({ examples, start }: { examples: Array<{ agent: AlgoAgent; task: TaskInfo }>; start: (agentId: string, id: string) => Promise<void> }) {
  const { busy, act } = useAction();
  return (
    <Card
      size="small"
      style={{ marginBottom: 10 }}
      data-testid="examples-card"
      title={
        <span>
          <ExperimentOutlined /> Example algos, ready to start
        </span>
      }
      extra={
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          On the simulated market: they trade no real money.
        </Typography.Text>
      }
    >
      <div className="examples">
        {examples.map(({ agent, task }) => {
          const instruments = instrumentsOf(task);
          return (
            <div key={`${agent.id}:${task.id}`} className="example" data-testid={`example-${task.name}`}>
              <Button size="small" type="primary" icon={<CaretRightOutlined />} loading={busy === task.id} onClick={() => act(task.id, `${task.name} started on ${agent.name}`, () => start(agent.id, task.id))} data-testid={`start-example-${task.name}`}>
                Start
              </Button>
              <b className="example-name">{task.name}</b>
              {task.labels.language ? <Tag bordered={false}>{task.labels.language}</Tag> : null}
              <Typography.Text type="secondary" ellipsis={{ tooltip: true }} className="example-does">
                {DOES[scriptOf(task)] ?? 'An example algo'}
                {instruments ? ` · ${instruments}` : ''}
              </Typography.Text>
            </div>
          );
        })}
      </div>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        To write your own in TypeScript or Python, see <Typography.Text code>docs/algos.md</Typography.Text>, then submit it with the button above.
      </Typography.Text>
    </Card>
  );
}
