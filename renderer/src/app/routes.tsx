/** The dashboard's pages: one route each. Fleet, orders and risk add theirs here. */
import { ApiOutlined, DashboardOutlined, LineChartOutlined, SettingOutlined, ThunderboltOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { BrokerPage } from '../pages/broker/broker-page';
import { HomePage } from '../pages/home/home-page';
import { MarketPage } from '../pages/market/market-page';
import { SettingsPage } from '../pages/settings/settings-page';
import { TickerPage } from '../pages/ticker/ticker-page';

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
