/**
 * Searches the agent's instruments master as the user types (debounced; a late answer never
 * overwrites a newer one) and picks one instrument or several.
 */
import { Select, Space, Tag, Typography } from 'antd';
import { forwardRef, useEffect, useRef, useState } from 'react';
import type { RefSelectProps } from 'antd/es/select';
import type { Instrument } from '../../../shared/instrument';
import type { AgentConnection } from '../agent/agent-connection';

interface Props {
  agent: AgentConnection;
  placeholder?: string;
  /** Several instruments (the ticker's add form) or one (add to a watchlist, then cleared). */
  multiple?: boolean;
  value?: string[];
  onChange?: (ids: string[]) => void;
  onPick?: (id: string) => void;
  /** One instrument shown as chosen (the order ticket's); without it a pick clears the field. */
  selected?: string | null;
  status?: 'error';
  testId?: string;
  style?: React.CSSProperties;
  autoFocus?: boolean;
  size?: 'small' | 'middle' | 'large';
}

function label(instrument: Instrument) {
  return (
    <Space size={6} style={{ width: '100%', justifyContent: 'space-between' }}>
      <span>
        <Typography.Text strong>{instrument.tradingsymbol}</Typography.Text>{' '}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {instrument.name}
        </Typography.Text>
      </span>
      <span>
        <Tag style={{ marginInlineEnd: 0 }}>{instrument.exchange}</Tag>
        {instrument.tradable ? null : <Tag color="purple">INDEX</Tag>}
      </span>
    </Space>
  );
}

export const InstrumentSearch = forwardRef<RefSelectProps, Props>(function InstrumentSearch(props, ref) {
  const [options, setOptions] = useState<Instrument[]>([]);
  const [searching, setSearching] = useState(false);
  const [text, setText] = useState('');
  const latest = useRef(0);
  const { agent } = props;

  useEffect(() => {
    const asked = ++latest.current;
    const timer = setTimeout(async () => {
      setSearching(true);
      try {
        const { instruments } = await agent.api.call('listInstruments', { search: text.trim() === '' ? undefined : text.trim().slice(0, 64), limit: 30 });
        if (asked === latest.current) setOptions(instruments);
      } catch {
        if (asked === latest.current) setOptions([]);
      } finally {
        if (asked === latest.current) setSearching(false);
      }
    }, 120);
    return () => clearTimeout(timer);
  }, [agent, text]);

  return (
    <Select<string[] | string>
      ref={ref}
      showSearch={{ filterOption: false, onSearch: setText, searchValue: text }}
      mode={props.multiple ? 'multiple' : undefined}
      size={props.size ?? 'middle'}
      autoFocus={props.autoFocus}
      placeholder={props.placeholder ?? 'Search instruments'}
      style={props.style}
      loading={searching}
      value={props.multiple ? props.value : ((props.selected ?? null) as unknown as string)}
      status={props.status}
      notFoundContent={searching ? 'Searching…' : text ? `No instrument matches “${text}”` : 'Type a symbol or name'}
      options={options.map((instrument) => ({ value: instrument.id, label: label(instrument), title: instrument.id }))}
      optionLabelProp="title"
      onChange={(value) => {
        if (props.multiple) props.onChange?.(value as string[]);
        else if (typeof value === 'string') {
          props.onPick?.(value);
          setText('');
        }
      }}
      aria-label={props.placeholder ?? 'Search instruments'}
      data-testid={props.testId ?? (props.multiple ? 'instrument-picker' : 'instrument-search')}
    />
  );
});
