/**
 * The tray as plain data: its icon's state, its tooltip and its menu, computed from what the
 * shell knows (the window, the embedded agent's ticker and broker). The shell turns the menu
 * into Electron's (`Menu.buildFromTemplate`), binding each item's `action` to a handler. The
 * fleet and risk issues add their entries here.
 */
import type { BrokerState, TickerState } from '../shared/contract/api';

export interface TrayInput {
  windowVisible: boolean;
  /** Null until the embedded agent answered (or while it is down). */
  ticker: Pick<TickerState, 'state' | 'ticksPerSecond' | 'stale'> | null;
  broker: Pick<BrokerState, 'provider' | 'session' | 'userId' | 'expiresAt'> | null;
  /** The embedded agent's dashboard URL, for "Open in a browser". */
  agentUrl: string | null;
  startAtLogin: boolean;
}

export type TrayAction = 'toggle-window' | 'start-ticker' | 'stop-ticker' | 'broker-login' | 'open-in-browser' | 'toggle-start-at-login' | 'quit';

export type TrayItem = { type: 'separator' } | { type: 'normal' | 'checkbox'; label: string; action?: TrayAction; enabled: boolean; checked?: boolean };

/** `ok`: live; `attention`: live but something wants the user (stale prices, a login); `down`: no agent or no ticker. */
export type TrayIcon = 'ok' | 'attention' | 'down';

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  menu: TrayItem[];
}

const rate = (ticksPerSecond: number) => `${Math.round(ticksPerSecond).toLocaleString('en-IN')} ticks/s`;

function brokerLine(broker: TrayInput['broker']): string {
  if (!broker) return 'Broker: unknown';
  if (broker.provider === 'sim') return 'Broker: simulated market';
  return broker.session === 'logged-in' ? `Kite: logged in${broker.userId ? ` as ${broker.userId}` : ''}` : 'Kite: login needed';
}

function tickerLine(ticker: TrayInput['ticker']): string {
  if (!ticker) return 'Ticker: agent not reachable';
  if (ticker.state === 'needs-login') return 'Ticker: waiting for the broker login';
  if (ticker.state === 'stopped') return 'Ticker: stopped';
  return `Ticker: running, ${rate(ticker.ticksPerSecond)}${ticker.stale.length > 0 ? `, ${ticker.stale.length} stale` : ''}`;
}

export function trayModel(input: TrayInput): TrayModel {
  const { ticker, broker } = input;
  const needsLogin = broker !== null && broker.provider !== 'sim' && broker.session !== 'logged-in';
  const icon: TrayIcon = !ticker ? 'down' : ticker.state !== 'running' || needsLogin || ticker.stale.length > 0 ? 'attention' : 'ok';
  const tooltip = ['AlgoDeck', tickerLine(ticker), brokerLine(broker)].join('\n');
  const menu: TrayItem[] = [
    { type: 'normal', label: input.windowVisible ? 'Hide AlgoDeck' : 'Show AlgoDeck', action: 'toggle-window', enabled: true },
    { type: 'separator' },
    { type: 'normal', label: tickerLine(ticker), enabled: false },
    ...(ticker === null
      ? []
      : ticker.state === 'stopped'
        ? [{ type: 'normal' as const, label: 'Start the ticker', action: 'start-ticker' as const, enabled: true }]
        : [{ type: 'normal' as const, label: 'Stop the ticker', action: 'stop-ticker' as const, enabled: true }]),
    { type: 'normal', label: brokerLine(broker), enabled: false },
    ...(needsLogin ? [{ type: 'normal' as const, label: 'Log in to Kite…', action: 'broker-login' as const, enabled: true }] : []),
    { type: 'separator' },
    { type: 'normal', label: 'Open the cockpit in a browser', action: 'open-in-browser', enabled: input.agentUrl !== null },
    { type: 'checkbox', label: 'Start AlgoDeck at login', action: 'toggle-start-at-login', enabled: true, checked: input.startAtLogin },
    { type: 'separator' },
    { type: 'normal', label: 'Quit AlgoDeck', action: 'quit', enabled: true },
  ];
  return { icon, tooltip, menu };
}

/**
 * Whether quitting must be confirmed, and the question: quitting stops the embedded agent, so
 * the ticker (and, with the fleet, the algos) stop with it.
 */
export function quitQuestion(input: Pick<TrayInput, 'ticker'>): string | null {
  if (!input.ticker || input.ticker.state !== 'running') return null;
  return `The ticker is running (${rate(input.ticker.ticksPerSecond)}). Quitting AlgoDeck stops it, and the embedded agent with it. Quit anyway?`;
}
