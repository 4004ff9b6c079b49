/** The dashboard's pages: one route each. Fleet, orders and risk add theirs here. */
import { ApiOutlined, DashboardOutlined, LineChartOutlined, SettingOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { lazy, type ReactNode } from 'react';

// Each page is its own chunk, loaded when first opened: a cold start parses only the shell and
// the page it lands on (the chart library, for one, only with market watch).
const HomePage = lazy(() => import('../pages/home/home-page').then((m) => ({ default: m.HomePage })));
const MarketPage = lazy(() => import('../pages/market/market-page').then((m) => ({ default: m.MarketPage })));
const TickerPage = lazy(() => import('../pages/ticker/ticker-page').then((m) => ({ default: m.TickerPage })));
const BrokerPage = lazy(() => import('../pages/broker/broker-page').then((m) => ({ default: m.BrokerPage })));
const SettingsPage = lazy(() => import('../pages/settings/settings-page').then((m) => ({ default: m.SettingsPage })));

export interface Route {
  path: string;
  label: string;
  icon: ReactNode;
  /** The key that opens it from anywhere (with Alt). */
  key: string;
  page: () => ReactNode;
}

export const ROUTES: Route[] = [
  { path: '/', label: 'Home', icon: <DashboardOutlined />, key: 'h', page: () => <HomePage /> },
  { path: '/market', label: 'Market watch', icon: <LineChartOutlined />, key: 'm', page: () => <MarketPage /> },
  { path: '/ticker', label: 'Ticker', icon: <ThunderboltOutlined />, key: 't', page: () => <TickerPage /> },
  { path: '/broker', label: 'Broker', icon: <ApiOutlined />, key: 'b', page: () => <BrokerPage /> },
  { path: '/settings', label: 'Settings', icon: <SettingOutlined />, key: 's', page: () => <SettingsPage /> },
];

export function routeOf(path: string): Route {
  return ROUTES.find((route) => route.path === path) ?? ROUTES[0]!;
}
