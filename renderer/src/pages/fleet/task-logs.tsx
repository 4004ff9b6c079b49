/**
 * A task's output, live: the last lines from the agent's log, then new lines as they are
 * written (the `logs` topic, through the hub for a member), following the end unless the user
 * scrolled up. A search asks the agent (it searches the rotated files too) and filters what
 * arrives; lines can be narrowed to stdout, stderr or the agent's own notes.
 */
import { Empty, Input, Segmented, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LogLine, LogStream, TaskInfo } from '../../../../shared/task';
import type { AgentConnection } from '../../agent/agent-connection';
import { formatClock } from '../../format/time';
import { type ShownError, shownError } from '../../stores/errors';

/** Lines kept on the page; older ones scroll away (the agent keeps them). */
const KEEP = 2000;
const TAIL = 500;

type StreamFilter = 'all' | LogStream;

function matches(line: LogLine, stream: StreamFilter, search: string): boolean {
  return (stream === 'all' || line.stream === stream) && (search === '' || line.text.toLowerCase().includes(search.toLowerCase()));
}

export function TaskLogs({ agent, agentId, task }: { agent: AgentConnection; agentId: string; task: TaskInfo }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<ShownError | null>(null);
  const [search, setSearch] = useState('');
  const [stream, setStream] = useState<StreamFilter>('all');
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  // Bumped when the stream comes back: the tail is read again, so lines written meanwhile show.
  // (A member going offline unmounts this view; it is made afresh when the member is back.)
  const [generation, setGeneration] = useState(0);
  useEffect(() => agent.stream.on('reconnected', () => setGeneration((n) => n + 1)), [agent]);

  useEffect(() => {
    let live = true;
    const pending: LogLine[] = [];
    let loaded = false;
    const off = agent.stream.on('message', (message) => {
      if (message.type !== 'logs' || message.task !== task.id || message.agent !== agentId) return;
      const fresh = message.lines.filter((line) => matches(line, stream, search));
      if (fresh.length === 0) return;
      if (!loaded) pending.push(...fresh);
      else setLines((current) => [...current, ...fresh].slice(-KEEP));
    });
    const selection = { task: task.id, agent: agentId };
    // Subscribed first, then the tail read: a line written between the two is not lost (at worst shown twice, dropped below).
    void agent.stream
      .subscribe('logs', selection)
      .then(() => agent.at(agentId).call('getTaskLogs', { id: task.id, tail: TAIL, ...(search ? { search } : {}), ...(stream === 'all' ? {} : { stream }) }))
      .then(
        ({ lines: tail }) => {
          if (!live) return;
          const last = tail[tail.length - 1];
          const after = last ? pending.filter((line) => line.time > last.time || (line.time === last.time && !tail.some((t) => t.time === line.time && t.text === line.text))) : pending;
          loaded = true;
          setLines([...tail, ...after].slice(-KEEP));
        },
        (caught: unknown) => live && setError(shownError(caught)),
      );
    return () => {
      live = false;
      off();
      void agent.stream.unsubscribe('logs', selection).catch(() => undefined);
    };
  }, [agent, agentId, task.id, search, stream, generation]);

  // A new query starts from an empty page (a new task gets a new component: see its key).
  const query = (next: { search?: string; stream?: StreamFilter }) => {
    setLines([]);
    setError(null);
    if (next.search !== undefined) setSearch(next.search);
    if (next.stream !== undefined) setStream(next.stream);
  };

  useLayoutEffect(() => {
    const element = box.current;
    if (follow && element) element.scrollTop = element.scrollHeight;
  }, [lines, follow]);

  const onScroll = () => {
    const element = box.current;
    if (!element) return;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    if (atEnd !== follow) setFollow(atEnd);
  };

  return (
    <div className="task-logs" data-testid="task-logs">
      <Space wrap style={{ marginBottom: 6 }}>
        <Input.Search size="small" placeholder="Search this task's logs" allowClear onSearch={(value) => query({ search: value.trim() })} style={{ width: 240 }} aria-label="Search the logs" data-testid="log-search" />
        <Segmented<StreamFilter> size="small" value={stream} onChange={(value) => query({ stream: value })} options={[{ value: 'all', label: 'All' }, { value: 'stdout', label: 'stdout' }, { value: 'stderr', label: 'stderr' }, { value: 'agent', label: 'Agent' }]} />
        <Space size={4}>
          <Switch size="small" checked={follow} onChange={setFollow} aria-label="Follow the end" data-testid="log-follow" />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            Follow
          </Typography.Text>
        </Space>
        {search ? <Tag closable onClose={() => query({ search: '' })}>matching “{search}”</Tag> : null}
      </Space>
      {error ? <Typography.Text type="danger">{error.message}</Typography.Text> : null}
      <div className="log-lines mono" ref={box} onScroll={onScroll} data-testid="log-lines">
        {lines.length === 0 && !error ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={search ? 'No line matches.' : 'No output yet.'} /> : null}
        {lines.map((line, i) => (
          <div key={`${line.time}:${i}`} className={`log-line log-${line.stream}`}>
            <span className="log-time">{formatClock(line.time).slice(0, 8)}</span>
            <span className="log-run">#{line.run}</span>
            <span className="log-text">{line.text}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
