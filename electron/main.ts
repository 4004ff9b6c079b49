/**
 * The desktop app's main process: it only wires things together. The embedded agent runs in a
 * utility process and starts its ticker workers and simulated market through the shell's utility
 * process host (ticks never pass through here); the window shows the dashboard from `app://`,
 * talking to agents over their API like a browser, with the token this process hands it over
 * IPC. Every rule applied here lives in a module tested in plain Node.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { app, BrowserWindow, dialog, ipcMain, Menu, type MenuItemConstructorOptions, nativeImage, net, Notification, protocol, safeStorage, screen, shell, Tray, utilityProcess } from 'electron';
import { defaultDataDir } from '../agent/agent-config';
import { EMBEDDED_AGENT_ENTRY } from '../agent/hosted-entries';
import { api } from '../shared/contract/api';
import type { BrokerState, TickerState } from '../shared/contract/api';
import type { RiskSummary } from '../shared/risk';
import type { AgentWithHistory } from '../shared/fleet';
import type { TaskInfo } from '../shared/task';
import { DESKTOP_CHANNELS, DESKTOP_EVENT_CHANNEL, type DesktopConnection, type DesktopEvent, type DesktopMethod, type MarketProvider } from '../shared/desktop';
import { resolveAppRequest } from './app-protocol';
import { DesktopService } from './desktop-service';
import { readDesktopSettings, writeDesktopSettings } from './desktop-settings';
import { EmbeddedAgent } from './embedded-agent';
import { expiryNotice } from './expiry-notice';
import { finishKiteLogin, loginNavigation } from './kite-login';
import { closeToTray, guardQuit, singleInstance } from './lifecycle';
import { probeAgent, RemoteAgents } from './remote-agents';
import { SafeSecretFile } from './safe-secret-file';
import { trayAlgos } from './tray-algos';
import { algoCommand, callAgent, type Current, fleetCommand, killSwitch, tickerCommand, type TrayState } from './tray-commands';
import { fleetSummary, quitQuestion, type TrayAction, type TrayIcon, type TrayInput, type TrayItem, trayModel, trayRisk } from './tray-model';
import { UtilityProcessHost } from './utility-process-host';
import { APP_ENTRY, APP_SCHEME, contentSecurityPolicy, externalUrlAllowed, isTrustedSender, navigationAllowed, webPreferences } from './window-policy';
import { placeWindow, readWindowState, writeWindowState } from './window-state';

const ROOT = app.getAppPath();
const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
const PRELOAD = join(ROOT, 'dist', 'electron', 'preload.cjs');
const ICONS = join(ROOT, 'build', 'icons');
/** The agent's usual port (the CLI's default): its dashboard is at the same address in a browser. */
const DEFAULT_PORT = 7420;
/** How often the tray asks the embedded agent for the ticker's and the broker's state, and the fleet's. */
const TRAY_POLL_MS = 5_000;

// Before `ready`: the app's scheme is a standard, secure origin that may use fetch and CORS.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

// A second launch ends at once; the first instance shows its window.
let showOnSecondLaunch: () => void = () => undefined;
if (singleInstance(app, () => showOnSecondLaunch())) void app.whenReady().then(start);

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting: () => boolean = () => false;
const trayInput: TrayInput = { windowVisible: false, ticker: null, broker: null, fleet: null, fleetCommand: null, algos: null, algoCommands: {}, risk: null, agentUrl: null, startAtLogin: false };
/** What the tray's commands change (`tray-commands.ts`). */
const trayState: TrayState = { input: trayInput, refresh: () => refreshTray(), poll: () => pollTray() };

function log(message: string): void {
  process.stderr.write(`[algodeck] ${message}\n`);
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  const brokerSecrets = new SafeSecretFile(join(userData, 'broker-secrets.safe.json'), safeStorage, log);
  const agentTokens = new SafeSecretFile(join(userData, 'agent-tokens.safe.json'), safeStorage, log);
  const agents = new RemoteAgents(join(userData, 'agents.json'), agentTokens, log);

  const settingsFile = join(userData, 'desktop-settings.json');
  let settings = readDesktopSettings(settingsFile);
  const launchEmbedded = (provider: MarketProvider): EmbeddedAgent => {
    const child = utilityProcess.fork(EMBEDDED_AGENT_ENTRY, [], { serviceName: 'AlgoDeck agent', stdio: 'inherit' });
    const agent = new EmbeddedAgent(
      { post: (message) => child.postMessage(message), onMessage: (listener) => void child.on('message', listener), onExit: (listener) => void child.on('exit', listener), kill: () => void child.kill() },
      // The same folder and port as `npm start`'s agent: one agent per computer, whichever starts it.
      // The desktop's own agent is the fleet's hub: members join it with a token made in the Fleet page.
      { dataDir: defaultDataDir(), port: DEFAULT_PORT, provider, fleet: { hub: true }, logLevel: app.isPackaged ? 'info' : 'debug' },
      brokerSecrets,
      new UtilityProcessHost((modulePath, args, options) => utilityProcess.fork(modulePath, args, options)),
      log,
    );
    agent.onChange((state) => {
      if (state.state === 'failed') dialog.showErrorBox('AlgoDeck', `The agent on this computer stopped or could not start.\n\n${state.problem}`);
      trayInput.agentUrl = state.state === 'ready' ? state.url : null;
      refreshTray();
    });
    agent.ready().catch((error: unknown) => log(`the embedded agent did not start: ${String(error)}`));
    return agent;
  };
  let embedded = launchEmbedded(settings.provider);
  const current = () => (embedded.state.state === 'ready' ? { url: embedded.state.url, token: embedded.state.token } : null);
  /** Restarts this computer's agent on another market (the same data folder and token). */
  const switchProvider = async (provider: MarketProvider) => {
    settings = { ...settings, provider };
    writeDesktopSettings(settingsFile, settings);
    await embedded.stop();
    embedded = launchEmbedded(provider);
    await embedded.ready();
  };

  const desktop = new DesktopService({
    agents,
    embedded: current,
    embeddedProblem: () => (embedded.state.state === 'failed' ? `The agent on this computer could not start: ${embedded.state.problem}` : null),
    probe: (origin, token) => probeAgent((url, init) => net.fetch(url, init), origin, token),
    openExternal: (url) => shell.openExternal(url),
    brokerLogin: (connection) => kiteLogin(connection),
    startAtLogin: {
      get: () => app.getLoginItemSettings().openAtLogin,
      set: (on) => app.setLoginItemSettings({ openAtLogin: on, openAsHidden: true, args: ['--hidden'] }),
    },
    provider: { get: () => settings.provider, set: switchProvider },
    secretStorageProblem: () => brokerSecrets.problem(),
  });

  // The dashboard's files, with the CSP naming the agents it may reach now.
  protocol.handle(APP_SCHEME, (request) => {
    const answer = resolveAppRequest(request.method, request.url, RENDERER_DIR, contentSecurityPolicy(desktop.agentUrls()));
    if (answer.status !== 200) return new Response(answer.reason, { status: answer.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const body = request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(answer.file)) as ReadableStream);
    return new Response(body, { status: 200, headers: answer.headers });
  });

  // One handler per method; only the app's own top frame is answered.
  for (const [method, channel] of Object.entries(DESKTOP_CHANNELS) as Array<[DesktopMethod, string]>) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrustedSender(event.senderFrame)) return { ok: false, error: { code: 'forbidden', message: 'Only the app itself may ask this.' } };
      return desktop.handle(method, args);
    });
  }

  hardenContents(desktop);
  createTray(desktop, current);
  showOnSecondLaunch = () => showWindow(desktop);
  app.on('activate', () => showWindow(desktop));
  // Closing the window keeps the app in the tray; only Quit ends it.
  app.on('window-all-closed', () => undefined);
  quitting = guardQuit(app, {
    question: () => quitQuestion(trayInput),
    confirm: (question) => dialog.showMessageBoxSync({ type: 'question', buttons: ['Quit', 'Cancel'], defaultId: 1, cancelId: 1, message: question }) === 0,
    stop: () => embedded.stop(),
  }).quitting;
  // A certificate this computer does not trust is refused, and the page is told why.
  app.on('certificate-error', (event, contents, url, error, _certificate, callback) => {
    event.preventDefault();
    callback(false);
    send({ type: 'certificate-error', url, error }, contents);
  });

  if (!process.argv.includes('--hidden')) showWindow(desktop);
  pollAgent(current);
}

/** Electron's security checklist for every web contents: no navigation away, no new windows, no permissions. */
function hardenContents(desktop: DesktopService): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (externalUrlAllowed(url, desktop.agentUrls())) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    contents.session.setPermissionCheckHandler(() => false);
  });
}

function showWindow(desktop: DesktopService): void {
  if (window) {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return;
  }
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const place = placeWindow(readWindowState(stateFile), screen.getAllDisplays().map((display) => display.workArea));
  const created = new BrowserWindow({
    x: place.x,
    y: place.y,
    width: place.width,
    height: place.height,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'AlgoDeck',
    backgroundColor: '#141414',
    icon: nativeImage.createFromPath(join(ICONS, 'icon.png')),
    webPreferences: webPreferences(PRELOAD),
  });
  window = created;
  if (place.maximized) created.maximize();
  created.webContents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url)) {
      event.preventDefault();
      if (externalUrlAllowed(url, desktop.agentUrls())) void shell.openExternal(url);
    }
  });
  created.once('ready-to-show', () => created.show());
  closeToTray(created, () => quitting(), () => writeWindowState(stateFile, { bounds: created.getNormalBounds(), maximized: created.isMaximized() }));
  created.on('show', () => ((trayInput.windowVisible = true), refreshTray()));
  created.on('hide', () => ((trayInput.windowVisible = false), refreshTray()));
  created.on('closed', () => (window = null));
  void created.loadURL(APP_ENTRY);
}

function send(event: DesktopEvent, contents = window?.webContents): void {
  if (contents && !contents.isDestroyed()) contents.send(DESKTOP_EVENT_CHANNEL, event);
}

/**
 * Kite's login in a window of its own: only Kite's pages load; the redirect to the agent's
 * callback is taken, never loaded, and handed to the agent, which creates the session.
 */
function kiteLogin(connection: DesktopConnection): Promise<{ ok: boolean; message: string }> {
  return new Promise((resolve) => {
    void (async () => {
      const answer = await net.fetch(`${connection.agent.url}${api.getBrokerLoginUrl.path}`, { headers: { authorization: `Bearer ${connection.token}` } });
      const body = (await answer.json()) as { url?: string; error?: { message: string } };
      if (!answer.ok || !body.url) return resolve({ ok: false, message: body.error?.message ?? `The agent answered HTTP ${answer.status}.` });
      const login = new BrowserWindow({ width: 520, height: 720, parent: window ?? undefined, modal: false, title: 'Log in to Kite', webPreferences: webPreferences(undefined) });
      let settled = false;
      const finish = (result: { ok: boolean; message: string }) => {
        if (settled) return;
        settled = true;
        resolve(result);
        send({ type: 'broker-login', ...result });
        if (!login.isDestroyed()) login.close();
        refreshTray();
      };
      const intercept = (event: { preventDefault(): void }, url: string) => {
        const next = loginNavigation(url, connection.agent.url);
        if (next.kind === 'kite') return;
        event.preventDefault();
        if (next.kind === 'callback') void finishKiteLogin((target) => net.fetch(target), connection.agent.url, next.query).then(finish);
        else log(`the login window refused ${next.reason}`);
      };
      login.webContents.on('will-navigate', intercept);
      login.webContents.on('will-redirect', intercept);
      login.on('closed', () => finish({ ok: false, message: 'The login window was closed before the login finished.' }));
      await login.loadURL(body.url);
    })().catch((error: unknown) => resolve({ ok: false, message: `The login could not start: ${error instanceof Error ? error.message : String(error)}` }));
  });
}

function createTray(desktop: DesktopService, current: Current): void {
  tray = new Tray(trayIcon('down'));
  tray.on('click', () => (window?.isVisible() ? window.hide() : showWindow(desktop)));
  const act = (action: TrayAction) => {
    if (typeof action === 'object') void algoCommand(trayState, current, action);
    else if (action === 'toggle-window') {
      if (window?.isVisible()) window.hide();
      else showWindow(desktop);
    } else if (action === 'broker-login') {
      showWindow(desktop);
      try {
        void kiteLogin(desktop.connection());
      } catch (error) {
        log(`no login: ${String(error)}`);
      }
    } else if (action === 'start-ticker' || action === 'stop-ticker') {
      void tickerCommand(trayState, current, action === 'start-ticker' ? api.startTicker.path : api.stopTicker.path);
    } else if (action === 'start-all-tasks' || action === 'stop-all-tasks') {
      void fleetCommand(trayState, current, action === 'start-all-tasks' ? 'start' : 'stop');
    } else if (action === 'engage-kill-switch' || action === 'release-kill-switch') {
      void killSwitch(trayState, current);
    } else if (action === 'open-in-browser' && trayInput.agentUrl) void shell.openExternal(trayInput.agentUrl);
    else if (action === 'toggle-start-at-login') void desktop.handle('setStartAtLogin', [!trayInput.startAtLogin]).then(refreshTray);
    else if (action === 'quit') app.quit();
  };
  trayActions = act;
  refreshTray();
}

let trayActions: (action: TrayAction) => void = () => undefined;

function trayIcon(state: TrayIcon): Electron.NativeImage {
  return nativeImage.createFromPath(join(ICONS, `tray-${state}.png`));
}

function refreshTray(): void {
  if (!tray) return;
  trayInput.startAtLogin = app.getLoginItemSettings().openAtLogin;
  const model = trayModel(trayInput);
  tray.setImage(trayIcon(model.icon));
  tray.setToolTip(model.tooltip);
  tray.setContextMenu(Menu.buildFromTemplate(model.menu.map(menuItem)));
}

/** Electron's item for the model's, each action bound to the tray's handler. */
function menuItem(item: TrayItem): MenuItemConstructorOptions {
  if (item.type === 'separator') return { type: 'separator' };
  if (item.type === 'submenu') return { label: item.label, enabled: item.enabled, submenu: item.submenu.map(menuItem) };
  const action = item.action;
  return { type: item.type, label: item.label, enabled: item.enabled, ...(item.checked === undefined ? {} : { checked: item.checked }), ...(action ? { click: () => trayActions(action) } : {}) };
}

/** Asks the embedded agent for the tray's figures now (set by `pollAgent`). */
let pollTray: () => Promise<void> = async () => undefined;

/** The tray's figures from the embedded agent (the fleet's too), and a notification when the broker session ends. */
function pollAgent(current: Current): void {
  let previous: BrokerState | null = null;
  const poll = async () => {
    const agent = current();
    if (!agent) return;
    const get = async <T>(path: string) => {
      const answer = await callAgent<T>(agent, path);
      return answer.ok ? answer.body : null;
    };
    try {
      const [ticker, broker, fleet, risk, own] = await Promise.all([
        get<TickerState>(api.getTicker.path),
        get<BrokerState>(api.getBroker.path),
        get<{ agents: AgentWithHistory[] }>(api.listAgents.path),
        get<RiskSummary>(api.getRisk.path),
        get<{ tasks: TaskInfo[] }>(api.listTasks.path),
      ]);
      trayInput.ticker = ticker;
      trayInput.broker = broker;
      trayInput.fleet = fleet ? fleetSummary(fleet.agents) : null;
      trayInput.risk = risk ? trayRisk(risk) : null;
      trayInput.algos = own ? trayAlgos(own.tasks, risk) : null;
      const notice = expiryNotice(previous, broker);
      if (notice && Notification.isSupported()) new Notification({ title: notice.title, body: notice.body }).show();
      previous = broker;
    } catch {
      trayInput.ticker = null;
      trayInput.fleet = null;
      trayInput.algos = null;
    }
    refreshTray();
  };
  pollTray = poll;
  setInterval(() => void poll(), TRAY_POLL_MS).unref();
  void poll();
}
