/** The dashboard's pages: one route each. */
import { ApiOutlined, ClusterOutlined, DashboardOutlined, LineChartOutlined, ProfileOutlined, RobotOutlined, SafetyOutlined, SettingOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { type ComponentType, createElement, type ReactNode, useEffect, useState } from 'react';
import { Loading } from './antd-island';

/**
 * A page in its own chunk, loaded when first opened or when `preload` is called: a cold start
 * parses only the shell and the page it lands on (the chart library, for one, only with market
 * watch). It does not suspend while loading: React resumes a suspended render at a low priority
 * that the live prices (an update every frame) keep interrupting, so a heavy page took up to 8 s
 * to appear. Loading shows `Loading`, and the loaded page is drawn by a plain state update.
 * `testId` marks the page's box once the page itself is drawn.
 */
function lazyPage(load: () => Promise<ComponentType>): { page: (testId: string) => ReactNode; preload: () => Promise<void> } {
  let loaded: ComponentType | null = null;
  let loading: Promise<void> | null = null;
  const preload = () => (loading ??= load().then((component) => void (loaded = component)));
  function PageLoader({ testId }: { testId: string }) {
    const [, setReady] = useState(loaded !== null);
    useEffect(() => {
      if (loaded) return;
      let mounted = true;
      void preload().then(() => mounted && setReady(true));
      return () => void (mounted = false);
    }, []);
    if (!loaded) return <Loading />;
    return (
      <div style={{ height: '100%' }} data-testid={testId}>
        {createElement(loaded)}
      </div>
    );
  }
  return { page: (testId) => <PageLoader testId={testId} />, preload };
}

const HomePage = lazyPage(() => import('../pages/home/home-page').then((m) => m.HomePage));
const MarketPage = lazyPage(() => import('../pages/market/market-page').then((m) => m.MarketPage));
const OrdersPage = lazyPage(() => import('../pages/orders/orders-page').then((m) => m.OrdersPage));
const RiskPage = lazyPage(() => import('../pages/risk/risk-page').then((m) => m.RiskPage));
const AlgosPage = lazyPage(() => import('../pages/algos/algos-page').then((m) => m.AlgosPage));
const FleetPage = lazyPage(() => import('../pages/fleet/fleet-page').then((m) => m.FleetPage));
const TickerPage = lazyPage(() => import('../pages/ticker/ticker-page').then((m) => m.TickerPage));
const BrokerPage = lazyPage(() => import('../pages/broker/broker-page').then((m) => m.BrokerPage));
const SettingsPage = lazyPage(() => import('../pages/settings/settings-page').then((m) => m.SettingsPage));

export interface Route {
  path: string;
  label: string;
  icon: ReactNode;
  /** The key that opens it from anywhere (with Alt). */
  key: string;
  /** The page, in a box marked `testId` once drawn. */
  page: (testId: string) => ReactNode;
  /** Loads the page's chunk ahead of its first opening. */
  preload: () => Promise<void>;
}

export const ROUTES: Route[] = [
  { path: '/', label: 'Home', icon: <DashboardOutlined />, key: 'h', ...HomePage },
  { path: '/market', label: 'Market watch', icon: <LineChartOutlined />, key: 'm', ...MarketPage },
  { path: '/orders', label: 'Orders', icon: <ProfileOutlined />, key: 'o', ...OrdersPage },
  { path: '/risk', label: 'Risk', icon: <SafetyOutlined />, key: 'r', ...RiskPage },
  { path: '/algos', label: 'Algos', icon: <RobotOutlined />, key: 'a', ...AlgosPage },
  { path: '/fleet', label: 'Fleet', icon: <ClusterOutlined />, key: 'f', ...FleetPage },
  { path: '/ticker', label: 'Ticker', icon: <ThunderboltOutlined />, key: 't', ...TickerPage },
  { path: '/broker', label: 'Broker', icon: <ApiOutlined />, key: 'b', ...BrokerPage },
  { path: '/settings', label: 'Settings', icon: <SettingOutlined />, key: 's', ...SettingsPage },
];

/** Loads every page's chunk, one after another, once the first page is up (navigation then never waits). */
export async function preloadPages(): Promise<void> {
  for (const route of ROUTES) await route.preload().catch(() => undefined);
}

export function routeOf(path: string): Route {
  return ROUTES.find((route) => route.path === path) ?? ROUTES[0]!;
}
