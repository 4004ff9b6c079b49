/**
 * The market watch column (Kite's left column): numbered watchlists, instrument search to add,
 * and the live table. Columns appear as the column widens; past a few hundred rows the table is
 * virtualised. Every row's figures are live cells subscribed to their own instrument.
 */
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import type { MessageInstance } from 'antd/es/message/interface';
import type { RefSelectProps } from 'antd/es/select';
import { lazy, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type WatchColumn, WatchGrid } from './watch-grid';
import type { Deleting, Naming } from './watchlist-tools';
import { AntdIsland } from '../../app/antd-island';
import { useDeck, useSlice } from '../../app/deck';
import { navigate, parseHash } from '../../app/router';
import { useWant } from '../../live/use-live';
import { shownError } from '../../stores/errors';
import { activeList, NUMBERED_WATCHLISTS } from '../../stores/watchlist-store';

// The search and the dialogs are antd's: they load with it, after the first prices.
const WatchlistTools = lazy(() => import('./watchlist-tools'));

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
  const [naming, setNaming] = useState<Naming | null>(null);
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [menu, setMenu] = useState<{ id: number; x: number; y: number } | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const messages = useRef<MessageInstance | null>(null);
  const onMessages = useCallback((api: MessageInstance | null) => void (messages.current = api), []);

  useEffect(() => deck.ticker.getState().watch(), [deck]);

  const carriedSet = useMemo(() => new Set(carriedKey ? carriedKey.split('\n') : []), [carriedKey]);

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
        const text = shownError(error).message;
        if (messages.current) messages.current.error(text);
        else window.alert(text);
      }
    },
    [deck],
  );

  const menuList = menu ? lists.find((item) => item.id === menu.id) : undefined;
  const tableHeight = Math.max(120, height - 116);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', height: '100%', minWidth: 0 }} data-testid="watchlist">
      <AntdIsland
        fallback={
          <div style={{ padding: '8px 8px 4px' }}>
            <input className="search-placeholder" placeholder="Search & add   ( / )" aria-label="Search instruments (loading)" readOnly />
          </div>
        }
      >
        <WatchlistTools searchRef={searchRef} carried={carriedKey === null ? null : carriedSet} naming={naming} setNaming={setNaming} deleting={deleting} setDeleting={setDeleting} onMessages={onMessages} />
      </AntdIsland>
      {/* A plain strip of tabs: antd's Tabs measures itself on every render, and this one is on every page. */}
      <div className="watch-tabs" role="tablist" aria-label="Watchlists">
        {lists.map((item, index) => (
          <button
            key={item.id}
            type="button"
            role="tab"
            aria-selected={item.id === list?.id}
            className={item.id === list?.id ? 'active' : undefined}
            onClick={() => deck.watchlists.getState().open(item.id)}
            onContextMenu={(event) => {
              event.preventDefault();
              setMenu({ id: item.id, x: event.clientX, y: event.clientY });
            }}
            title={index < NUMBERED_WATCHLISTS ? `${item.name} (key ${index + 1}; right-click to rename or delete)` : `${item.name} (right-click to rename or delete)`}
          >
            {index < NUMBERED_WATCHLISTS ? <span className="muted">{index + 1}</span> : null}
            {item.name}
            <span className="muted">({item.instruments.length})</span>
          </button>
        ))}
        <button type="button" className="watch-tab-add" aria-label="New watchlist" title="New watchlist" onClick={() => setNaming({ id: null, name: '' })}>
          <PlusOutlined />
        </button>
      </div>
      {menu && menuList ? (
        <ContextMenu x={menu.x} y={menu.y} onClose={closeMenu}>
          <button type="button" role="menuitem" onClick={() => (setMenu(null), setNaming({ id: menuList.id, name: menuList.name }))}>
            <EditOutlined /> Rename
          </button>
          <button type="button" role="menuitem" className="danger" onClick={() => (setMenu(null), setDeleting({ id: menuList.id, name: menuList.name, count: menuList.instruments.length }))}>
            <DeleteOutlined /> Delete
          </button>
        </ContextMenu>
      ) : null}
      <div style={{ flex: 1, minHeight: 0, paddingInline: 4 }}>
        {loaded && !list ? (
          <div className="watch-empty">
            <p>No watchlist yet</p>
            <button type="button" className="plain-button primary" onClick={() => setNaming({ id: null, name: 'My watchlist' })}>
              Create a watchlist
            </button>
          </div>
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
            {ids.length === 0 ? <p className="watch-empty">Search above to add instruments (press / )</p> : null}
          </>
        )}
      </div>
    </div>
  );
}

/** A small menu at the pointer: closed by a choice, Escape, or a click anywhere else. */
function ContextMenu({ x, y, onClose, children }: { x: number; y: number; onClose: () => void; children: React.ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    const onPointer = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', onPointer);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', onPointer);
    };
  }, [onClose]);
  return (
    <div ref={ref} className="context-menu" role="menu" style={{ left: Math.min(x, window.innerWidth - 160), top: Math.min(y, window.innerHeight - 90) }}>
      {children}
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

