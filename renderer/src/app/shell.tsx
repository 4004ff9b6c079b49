/**
 * The signed-in dashboard: a compact top bar (pages, connection, broker session), a banner
 * while the stream is down, the resizable market watch column, and the page beside it. All
 * plain elements: the page (in an antd island) is the only part that needs antd.
 */
import type { RefSelectProps } from 'antd/es/select';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { chartFollows, openChart, WatchlistPanel } from '../pages/market/watchlist-panel';
import { useStreamState } from '../live/use-live';
import { WATCH_WIDTH } from '../stores/settings-store';
import { AntdIsland, Loading } from './antd-island';
import { useDeck, useSlice } from './deck';
import { handleKey } from './keyboard';
import { navigate, useLocation } from './router';
import { preloadPages, ROUTES, routeOf } from './routes';
import { settings, useSettings } from './settings';
import { StatusBar } from './status-bar';

// The order ticket (antd's drawer and form) loads with its first opening (B or S, or a page's button).
const OrderTicket = lazy(() => import('../pages/orders/order-ticket'));

function Ticket() {
  const deck = useDeck();
  const used = useSlice(deck.orders, (slice) => slice.ticketUsed);
  return used ? (
    <AntdIsland>
      <OrderTicket />
    </AntdIsland>
  ) : null;
}

function useWindowHeight(): number {
  const [height, setHeight] = useState(() => window.innerHeight);
  useEffect(() => {
    const onResize = () => setHeight(window.innerHeight);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return height;
}

function ConnectionBanner() {
  const deck = useDeck();
  const { state, detail } = useStreamState(deck.feed);
  if (state === 'open') return null;
  return (
    <div className={`banner ${state === 'connecting' ? 'info' : 'error'}`} role="alert" data-testid="connection-banner">
      <b>{state === 'connecting' ? 'Connecting to the agent…' : `Disconnected from the agent: prices shown are stale, not live.${state === 'reconnecting' ? ' Reconnecting…' : ''}`}</b>
      {state === 'reconnecting' && detail ? <span className="muted">{detail}</span> : null}
    </div>
  );
}

/** Drag (or ←/→ when focused) to resize the market watch column. */
function Splitter() {
  const width = useSettings((slice) => slice.watchWidth);
  const start = (event: React.PointerEvent) => {
    const from = event.clientX;
    const initial = width;
    const move = (next: PointerEvent) => settings.getState().setWatchWidth(initial + next.clientX - from);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-valuemin={WATCH_WIDTH.min}
      aria-valuemax={WATCH_WIDTH.max}
      aria-valuenow={width}
      aria-label="Resize the market watch"
      tabIndex={0}
      onPointerDown={start}
      onKeyDown={(event) => {
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') settings.getState().setWatchWidth(width + (event.key === 'ArrowLeft' ? -20 : 20));
      }}
    />
  );
}

/** How long after the shell's first render the other pages start loading (the first prices and antd come first). */
const PRELOAD_AFTER_MS = 1_000;

export function Shell() {
  const deck = useDeck();
  const location = useLocation();
  const route = routeOf(location.path);
  const watchWidth = useSettings((slice) => slice.watchWidth);
  const height = useWindowHeight();
  const searchRef = useRef<RefSelectProps>(null);

  // The other pages' chunks load while the trader looks at the first one, so opening one never waits.
  useEffect(() => {
    const timer = setTimeout(() => requestIdleCallback(() => void preloadPages(), { timeout: 2_000 }), PRELOAD_AFTER_MS);
    return () => clearTimeout(timer);
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const handled = handleKey(event, {
        focusSearch: () => searchRef.current?.focus(),
        openWatchlist: (n) => deck.watchlists.getState().openNumber(n),
        step: (by) => {
          deck.watchlists.getState().step(by);
          const selected = deck.watchlists.getState().selected;
          if (selected) chartFollows(selected);
        },
        chart: () => {
          const selected = deck.watchlists.getState().selected;
          if (selected) openChart(selected);
        },
        trade: (side) => deck.orders.getState().openTicket({ side, instrument: deck.watchlists.getState().selected }),
        page: (letter) => {
          const target = ROUTES.find((candidate) => candidate.key === letter);
          if (target) navigate(target.path);
          return target !== undefined;
        },
      });
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [deck]);

  return (
    <div className="app">
      <header className="app-header">
        <span className="app-brand">
          <span>◆</span> AlgoDeck
        </span>
        {/* A plain nav: the pages fit the bar, and antd's Menu measures itself for overflow on every render. */}
        <nav className="top-nav" aria-label="Pages">
          {ROUTES.map((item) => (
            <a key={item.path} href={`#${item.path}`} className={item.path === route.path ? 'active' : undefined} aria-current={item.path === route.path ? 'page' : undefined} title={`${item.label} (Alt+${item.key.toUpperCase()})`}>
              {item.icon}
              <span className="nav-label">{item.label}</span>
            </a>
          ))}
        </nav>
        <StatusBar />
      </header>
      <ConnectionBanner />
      <div className="app-body">
        <aside className="watch-column" style={{ width: watchWidth }}>
          <WatchlistPanel width={watchWidth} height={height - 44} searchRef={searchRef} />
        </aside>
        <Splitter />
        <main className="page-outlet">
          <AntdIsland fallback={<Loading />} style={{ height: '100%' }}>
            <Suspense fallback={<Loading />}>{route.page(`page-${route.path === '/' ? 'home' : route.path.slice(1)}`)}</Suspense>
          </AntdIsland>
        </main>
      </div>
      <Ticket />
    </div>
  );
}
