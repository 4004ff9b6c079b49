/**
 * The market watch column (Kite's left column): numbered watchlists, instrument search to add,
 * and the live table. Columns appear as the column widens; past a few hundred rows the table is
 * virtualised. Every row's figures are live cells subscribed to their own instrument.
 */
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Empty, Input, Modal, Typography } from 'antd';
import type { RefSelectProps } from 'antd/es/select';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { InstrumentSearch } from '../../components/instrument-search';
import { type WatchColumn, WatchGrid } from './watch-grid';
import { useDeck, useSlice } from '../../app/deck';
import { navigate, parseHash } from '../../app/router';
import { useWant } from '../../live/use-live';
import { shownError } from '../../stores/errors';
import { activeList, nameProblem, NUMBERED_WATCHLISTS } from '../../stores/watchlist-store';


/** The live columns, in the order they appear as the column widens, with the width each needs. */
const LIVE_COLUMNS: Array<WatchColumn & { minPanel: number }> = [
  { field: 'lastPrice', title: 'LTP', width: 84, minPanel: 0 },
  { field: 'change', title: 'Chg %', width: 70, minPanel: 0 },
  { field: 'volume', title: 'Volume', width: 78, minPanel: 400 },
  { field: 'bid', title: 'Bid', width: 78, minPanel: 480 },
  { field: 'ask', title: 'Ask', width: 78, minPanel: 480 },
  { field: 'high', title: 'High', width: 78, minPanel: 620 },
  { field: 'low', title: 'Low', width: 78, minPanel: 620 },
];

export function WatchlistPanel({ width, height, searchRef }: { width: number; height: number; searchRef: React.RefObject<RefSelectProps | null> }) {
  const deck = useDeck();
  const { message, modal } = App.useApp();
  const lists = useSlice(deck.watchlists, (state) => state.lists);
  const activeId = useSlice(deck.watchlists, (state) => state.activeId);
  const selected = useSlice(deck.watchlists, (state) => state.selected);
  const known = useSlice(deck.watchlists, (state) => state.instruments);
  const loaded = useSlice(deck.watchlists, (state) => state.loaded);
  // A key that changes only when the set of carried instruments does: the ticker's state is
  // polled every 2 s, and a new array each time would re-render every row.
  const carriedKey = useSlice(deck.ticker, (state) => state.ticker?.subscriptions.map((subscription) => subscription.instrument).join('\n') ?? null);
  const list = activeList({ lists, activeId });
  const ids = useMemo(() => list?.instruments ?? [], [list]);
  useWant(deck.feed, ids);
  const [naming, setNaming] = useState<{ id: number | null; name: string } | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);

  useEffect(() => deck.ticker.getState().watch(), [deck]);

  const carriedSet = useMemo(() => new Set(carriedKey ? carriedKey.split('\n') : []), [carriedKey]);

  const add = async (id: string) => {
    try {
      await deck.watchlists.getState().add(id);
      deck.watchlists.getState().select(id);
      // A price needs the ticker to carry the instrument: subscribe it, as Kite's market watch does.
      if (!carriedSet.has(id)) {
        await deck.ticker.getState().subscribe([id], 'full');
        message.success(`${id} added and subscribed on the ticker`);
      } else message.success(`${id} added to ${list?.name ?? 'the watchlist'}`);
    } catch (error) {
      message.error(shownError(error).message);
    }
  };

  const saveName = async () => {
    if (!naming) return;
    const name = naming.name.trim();
    const problem = nameProblem(name, lists, naming.id);
    if (problem) return setNameError(problem);
    try {
      if (naming.id === null) await deck.watchlists.getState().create(name);
      else await deck.watchlists.getState().rename(naming.id, name);
      setNaming(null);
    } catch (error) {
      setNameError(shownError(error).message);
    }
  };

  const confirmDelete = (id: number, name: string, count: number) =>
    modal.confirm({
      title: `Delete the watchlist “${name}”?`,
      content: `Its ${count} instruments stay subscribed on the ticker; only the list goes.`,
      okText: 'Delete watchlist',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await deck.watchlists.getState().remove(id);
        } catch (error) {
          message.error(shownError(error).message);
        }
      },
    });

  const columns = useMemo(() => LIVE_COLUMNS.filter((column) => width >= column.minPanel), [width]);
  const onSelect = useCallback(
    (id: string) => {
      deck.watchlists.getState().select(id);
      chartFollows(id);
    },
    [deck],
  );
  const onRemove = useCallback(
    async (id: string) => {
      try {
        await deck.watchlists.getState().removeInstrument(id);
      } catch (error) {
        message.error(shownError(error).message);
      }
    },
    [deck, message],
  );

  const tableHeight = Math.max(120, height - 116);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', height: '100%', minWidth: 0 }} data-testid="watchlist">
      <div style={{ padding: '8px 8px 4px' }}>
        <InstrumentSearch ref={searchRef} agent={deck.agent} placeholder="Search & add   ( / )" onPick={(id) => void add(id)} style={{ width: '100%' }} />
      </div>
      {/* A plain strip of tabs: antd's Tabs measures itself on every render, and this one is on every page. */}
      <div className="watch-tabs" role="tablist" aria-label="Watchlists">
        {lists.map((item, index) => (
          <Dropdown
            key={item.id}
            trigger={['contextMenu']}
            menu={{
              items: [
                { key: 'rename', icon: <EditOutlined />, label: 'Rename', onClick: () => (setNameError(null), setNaming({ id: item.id, name: item.name })) },
                { key: 'delete', icon: <DeleteOutlined />, danger: true, label: 'Delete', onClick: () => confirmDelete(item.id, item.name, item.instruments.length) },
              ],
            }}
          >
            <button
              type="button"
              role="tab"
              aria-selected={item.id === list?.id}
              className={item.id === list?.id ? 'active' : undefined}
              onClick={() => deck.watchlists.getState().open(item.id)}
              title={index < NUMBERED_WATCHLISTS ? `${item.name} (key ${index + 1}; right-click to rename or delete)` : `${item.name} (right-click to rename or delete)`}
            >
              {index < NUMBERED_WATCHLISTS ? <span className="muted">{index + 1}</span> : null}
              {item.name}
              <span className="muted">({item.instruments.length})</span>
            </button>
          </Dropdown>
        ))}
        <button type="button" className="watch-tab-add" aria-label="New watchlist" title="New watchlist" onClick={() => (setNameError(null), setNaming({ id: null, name: '' }))}>
          <PlusOutlined />
        </button>
      </div>
      <div style={{ flex: 1, minHeight: 0, paddingInline: 4 }}>
        {loaded && !list ? (
          <Empty style={{ marginTop: 48 }} description="No watchlist yet">
            <Button type="primary" onClick={() => setNaming({ id: null, name: 'My watchlist' })}>
              Create a watchlist
            </Button>
          </Empty>
        ) : (
          <>
            <WatchGrid
            feed={deck.feed}
            ids={ids}
            instruments={known}
            columns={columns}
            selected={selected}
            carried={carriedKey === null ? null : carriedSet}
            height={tableHeight}
            onSelect={onSelect}
            onOpen={openChart}
            onRemove={(id) => void onRemove(id)}
            />
            {ids.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="Search above to add instruments (press / )" /> : null}
          </>
        )}
      </div>
      <Modal
        open={naming !== null}
        title={naming?.id === null ? 'New watchlist' : 'Rename watchlist'}
        okText={naming?.id === null ? 'Create' : 'Rename'}
        onOk={() => void saveName()}
        onCancel={() => setNaming(null)}
        destroyOnHidden
      >
        <Input
          autoFocus
          value={naming?.name ?? ''}
          maxLength={40}
          status={nameError ? 'error' : undefined}
          placeholder="Banks, F&O, Swing…"
          onChange={(event) => {
            setNaming((old) => old && { ...old, name: event.target.value });
            setNameError(nameProblem(event.target.value.trim(), lists, naming?.id ?? null));
          }}
          onPressEnter={() => void saveName()}
        />
        {nameError ? <Typography.Text type="danger">{nameError}</Typography.Text> : null}
      </Modal>
    </div>
  );
}

/** On the market watch page, the chart follows the watchlist's selection. */
export function chartFollows(id: string): void {
  if (parseHash(window.location.hash).path === '/market') openChart(id);
}

export function openChart(id: string): void {
  navigate(`/market?i=${encodeURIComponent(id)}`);
}

