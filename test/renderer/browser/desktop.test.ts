/**
 * The dashboard as the desktop app shows it, in a real browser: the page served the way the
 * shell's `app://` handler serves it (the same function, its CSP naming the agents), on an origin
 * of its own, calling real agents across origins with the token the shell hands over. The shell's
 * main process is the real `DesktopService`; the preload is a stand-in with the same API, over a
 * page binding instead of IPC (the Electron runtime cannot run here).
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { resolveAppRequest } from '../../../electron/app-protocol';
import { DesktopService } from '../../../electron/desktop-service';
import { probeAgent, RemoteAgents } from '../../../electron/remote-agents';
import { APP_ORIGIN, contentSecurityPolicy } from '../../../electron/window-policy';
import { DESKTOP_CHANNELS, type DesktopEvent } from '../../../shared/desktop';
import { type Browser, launchChromium, screenshotPath, showPage, watchedPage } from '../../helpers/chromium';
import { MemorySecrets, probeFetch } from '../../helpers/desktop';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';

const REMOTE_TOKEN = 'remote-token-0123456789abcdef';
const fixtures = new URL('../../fixtures/tls/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'algodeck-desktop-page-'));
let embedded: TestAgent;
let remote: TestAgent;
let selfSigned: TestAgent;
let appServer: Server;
let appOrigin: string;
let browser: Browser;
let page: Page;
let desktop: DesktopService;
let embeddedUp = false;
const calls: string[] = [];
const pageErrors: string[] = [];

/**
 * The preload's bridge on the page (as `desktopBridge` builds it): one method per message, each
 * sent through the page binding to the main process's service, answering its result as it is.
 */
const PRELOAD_STAND_IN = `
  const listeners = new Set();
  const bridge = Object.fromEntries(${JSON.stringify(Object.keys(DESKTOP_CHANNELS))}.map((name) => [name, (...args) => window.algodeckDesktopInvoke(name, args)]));
  bridge.onEvent = (listener) => (listeners.add(listener), () => listeners.delete(listener));
  window.algodeckDesktop = bridge;
  window.algodeckDesktopEmit = (event) => listeners.forEach((listener) => listener(event));
`;

/** The shell's `app://` handler on an HTTP origin: the same resolution, the CSP of the agents known now. */
function serveApp(): Promise<Server> {
  const root = join(process.cwd(), 'dist', 'renderer');
  const server = createServer((request, response) => {
    const answer = resolveAppRequest(request.method ?? 'GET', `${APP_ORIGIN}${request.url ?? '/'}`, root, contentSecurityPolicy(desktop.agentUrls()));
    if (answer.status !== 200) {
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.reason);
      return;
    }
    response.writeHead(200, answer.headers);
    createReadStream(answer.file).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  appServer = await serveApp();
  appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const tls = { cert: readFileSync(new URL('localhost.crt', fixtures)), key: readFileSync(new URL('localhost.key', fixtures)) };
  [embedded, remote, selfSigned] = await Promise.all([
    startTestAgent({ appOrigins: [appOrigin], firstRunWatchlist: true, simInstruments: 10, simTicksPerSecond: 2, workers: 1 }),
    startTestAgent({ appOrigins: [appOrigin], token: REMOTE_TOKEN, firstRunWatchlist: true, simInstruments: 10, simTicksPerSecond: 2, workers: 2 }),
    startTestAgent({ appOrigins: [appOrigin], workers: 1, tls }),
  ]);
  let startAtLogin = false;
  let provider: 'sim' | 'kite' = 'sim';
  desktop = new DesktopService({
    agents: new RemoteAgents(join(dir, 'agents.json'), new MemorySecrets()),
    embedded: () => (embeddedUp ? { url: embedded.agent.url, token: TEST_TOKEN } : null),
    embeddedProblem: () => null,
    probe: (origin, token) => probeAgent(probeFetch(), origin, token),
    openExternal: async () => undefined,
    brokerLogin: async () => ({ ok: false, message: 'no broker here' }),
    startAtLogin: { get: () => startAtLogin, set: (on) => void (startAtLogin = on) },
    // The shell restarts its agent on the new market; here the choice is recorded.
    provider: { get: () => provider, set: async (next) => void (provider = next) },
    secretStorageProblem: () => null,
  });
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  // The preload's stand-in: one method per message, each answered by the main process's service.
  await page.exposeBinding('algodeckDesktopInvoke', (_source, method: string, args: unknown[]) => {
    calls.push(method);
    return desktop.handle(method, args);
  });
  // As text: the test runner's compiler would wrap named functions in a helper the page lacks.
  await page.addInitScript(PRELOAD_STAND_IN);
});

after(async () => {
  await browser?.close();
  appServer?.close();
  await Promise.all([embedded?.stop(), remote?.stop(), selfSigned?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function show(path: string, testId: string) {
  return showPage(page, path, testId, `desktop-${testId}`);
}

const firstPrice = () => page.waitForFunction(() => (document.querySelector('[data-testid="watchlist"] [data-field="lastPrice"]:not([data-stale])')?.textContent ?? '—') !== '—');

test('the window waits for the embedded agent, then shows it with no sign-in; the token stays in memory', async () => {
  await page.goto(`${appOrigin}/#/market`);
  await page.getByTestId('agent-unreachable').getByText('Waiting for the agent').waitFor();
  assert.match((await page.getByTestId('agent-unreachable').textContent()) ?? '', /starting/);
  embeddedUp = true;
  // The page asks again by itself.
  await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor({ timeout: 10_000 });
  await firstPrice();
  assert.equal(await page.getByTestId('sign-in').count(), 0);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href);
  assert.ok(!stored.includes(TEST_TOKEN), 'the token is not in storage, a cookie or the URL');
  assert.ok(calls.includes('connection'));
});

test('a remote agent is added from Settings (refusals shown where they belong), then shown: the window switches to it', async () => {
  await show('/settings', 'settings-page');
  const card = page.getByTestId('desktop-agents');
  await card.getByTestId('desktop-agent').first().waitFor();
  assert.deepEqual(await card.getByTestId('desktop-agent').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-agent'))), ['This computer']);
  const name = card.getByLabel('Agent name');
  const address = card.getByLabel('Agent address');
  const token = card.getByLabel('Agent token');
  // Checked as typed: plain http off loopback is refused before anything is sent.
  await address.fill('http://10.1.2.3:7420');
  await card.getByText('must be reached over https (TLS)').waitFor();
  assert.equal(await card.getByTestId('add-agent').isDisabled(), true);
  // A certificate this computer does not trust: the shell's refusal, under the address.
  await name.fill('Self-signed');
  await address.fill(`https://localhost:${selfSigned.agent.port}`);
  await token.fill(TEST_TOKEN);
  await card.getByTestId('add-agent').click();
  await card.getByText(/certificate was refused/).waitFor();
  await page.screenshot({ path: screenshotPath('desktop-settings-certificate-refused-light') });
  // The wrong token: under the token.
  await name.fill('EC2 Mumbai');
  await address.fill(remote.agent.url);
  await token.fill('not-the-remote-token-0123');
  await card.getByTestId('add-agent').click();
  await card.getByText('The agent refused this token.').waitFor();
  await token.fill(REMOTE_TOKEN);
  await card.getByTestId('add-agent').click();
  await card.locator('[data-agent="EC2 Mumbai"]').waitFor();
  assert.equal(await token.inputValue(), '', 'the form is cleared once added');
  await page.screenshot({ path: screenshotPath('desktop-settings-agents-light') });

  await card.locator('[data-agent="EC2 Mumbai"]').getByTestId('show-agent').click();
  // The window reloads onto the remote agent: its own address, its two workers, its prices.
  await page.waitForFunction((url) => document.querySelector('[data-testid="settings-page"]')?.textContent?.includes(url) ?? false, remote.agent.url, { timeout: 15_000 });
  await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor();
  await show('/ticker', 'ticker-page');
  // The remote agent runs two workers, the embedded one one.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="workers-table"] tbody tr.ant-table-row').length === 2, undefined, { timeout: 10_000 });
  await show('/market', 'page-market');
  await firstPrice();
  assert.equal(await page.getByTestId('agent-chip').textContent(), 'EC2 Mumbai', 'the status bar names the remote agent shown');
  await page.screenshot({ path: screenshotPath('desktop-remote-agent-light') });
});

test('a refused certificate reported by the shell replaces the page with the reason and a way back', async () => {
  await page.evaluate((event: DesktopEvent) => (window as unknown as { algodeckDesktopEmit(event: DesktopEvent): void }).algodeckDesktopEmit(event), {
    type: 'certificate-error' as const,
    url: `${remote.agent.url}/api/v1/stream`,
    error: 'net::ERR_CERT_AUTHORITY_INVALID',
  });
  const notice = page.getByTestId('agent-unreachable');
  await notice.getByText(/ERR_CERT_AUTHORITY_INVALID/).waitFor();
  await page.screenshot({ path: screenshotPath('desktop-certificate-error-light') });
  await notice.getByText("Show this computer's agent").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="stream-state"]')?.getAttribute('data-state') === 'open', undefined, { timeout: 15_000 });
  await show('/settings', 'settings-page');
  await page.waitForFunction((url) => document.querySelector('[data-testid="settings-page"]')?.textContent?.includes(url) ?? false, embedded.agent.url);
});

test('removing an agent asks first; start at login is a switch the shell keeps', async () => {
  const card = page.getByTestId('desktop-agents');
  await card.getByRole('button', { name: 'Remove EC2 Mumbai' }).click();
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await card.locator('[data-agent="EC2 Mumbai"]').waitFor({ state: 'detached' });
  assert.deepEqual(desktop.listAgents().agents.map((agent) => agent.name), ['This computer']);
  const toggle = page.getByTestId('desktop-app').getByRole('switch');
  assert.equal(await toggle.getAttribute('aria-checked'), 'false');
  await toggle.click();
  await page.waitForFunction(() => document.querySelector('[data-testid="desktop-app"] [role="switch"]')?.getAttribute('aria-checked') === 'true');
  assert.equal(desktop.settings().startAtLogin, true);
  await page.screenshot({ path: screenshotPath('desktop-settings-light') });
});

test("the market of this computer's agent switches to Kite, asked first; the window reloads on it", async () => {
  const market = page.getByTestId('desktop-app').getByTestId('provider');
  await market.getByText('Zerodha Kite').click();
  await page.locator('.ant-modal-confirm-title').getByText("Restart this computer's agent on Zerodha Kite?").waitFor();
  await page.locator('.ant-modal-confirm').getByRole('button', { name: 'Restart' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="stream-state"]')?.getAttribute('data-state') === 'open', undefined, { timeout: 15_000 });
  assert.equal(desktop.settings().provider, 'kite');
  await show('/settings', 'settings-page');
  await page.getByTestId('desktop-app').getByTestId('provider').locator('.ant-segmented-item-selected').getByText('Zerodha Kite').waitFor();
  assert.deepEqual(pageErrors, []);
});
