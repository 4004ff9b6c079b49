/**
 * The Fleet page in a real browser against a real hub and a real member agent on loopback:
 * both agents with live statistics; an algo submitted to the member, started, stopped and
 * started again from the page; its logs followed live and searched; the member going offline.
 * Screenshots in test-artifacts/screenshots/ (fleet-*).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Browser, launchChromium, screenshotPath, showPage, watchedPage } from '../../helpers/chromium';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

const JOIN = 'join-token-for-the-browser-test';
const fast = { fleetHeartbeatMs: 500, memberBackoff: { initialDelayMs: 100, maxDelayMs: 500 } };
let hub: TestAgent;
let member: TestAgent;
let browser: Browser;
let page: Page;
let scratch: string;
const pageErrors: string[] = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'algodeck-fleet-browser-'));
  hub = await startTestAgent({ name: 'laptop', workers: 1, firstRunWatchlist: true, simTicksPerSecond: 2, fleet: { hub: true, joinToken: JOIN }, ...fast });
  member = await startTestAgent({ dataDir: mkdtempSync(join(tmpdir(), 'algodeck-member-')), name: 'ec2-mumbai', labels: { region: 'ap-south-1' }, workers: 1, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  await page.goto(hub.agent.url);
  await page.getByTestId('secret').fill(TEST_TOKEN);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('status-bar').waitFor();
});

after(async () => {
  await browser?.close();
  await member?.stop();
  await hub?.stop();
  rmSync(scratch, { recursive: true, force: true });
  if (member) rmSync(member.dataDir, { recursive: true, force: true });
});

function show(path: string, testId: string) {
  return showPage(page, path, testId);
}

async function shoot(name: string) {
  await page.waitForFunction(() => document.querySelector('.ant-message-notice') === null, undefined, { timeout: 8_000 }).catch(() => undefined);
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshotPath(name) });
}

const taskState = (name: string) => page.getByTestId(`task-state-${name}`);

test('the fleet page shows the hub and its member, online, with live statistics', async () => {
  await show('/fleet', 'fleet-page');
  await page.getByTestId('agent-status-laptop').getByText('online').waitFor();
  await page.getByTestId('agent-status-ec2-mumbai').getByText('online').waitFor();
  // Sparklines fill as samples arrive, once a second.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="cpu-ec2-mumbai"] polyline').length === 1, undefined, { timeout: 10_000 });
  assert.match((await page.getByTestId('fleet-summary').textContent()) ?? '', /2 of 2 agents online · 0 algos running/);
  assert.equal(await page.getByTestId('agent-algos-laptop').textContent(), 'No algos yet');
  assert.ok(await page.getByTestId('agent-ec2-mumbai').getByText('region=ap-south-1').isVisible());
});

test('an algo is submitted to the member, runs, and its logs follow live and are searchable', async () => {
  const script = join(scratch, 'beat.mjs');
  writeFileSync(script, "let n = 0;\nsetInterval(() => console.log(`tick ${++n}`), 150);\nconsole.error('warming up');\nprocess.on('SIGTERM', () => { console.log('bye'); process.exit(0); });\n");
  await page.getByTestId('agent-ec2-mumbai').click();
  await page.getByTestId('open-submit').click();
  await page.getByTestId('submit-drawer').waitFor();
  await page.getByTestId('submit-name').fill('Beat');
  await page.locator('[data-testid="submit-drawer"] input[type=file]').setInputFiles(script);
  await page.getByTestId('submit-algo').click();
  await taskState('Beat').getByText('running').waitFor({ timeout: 10_000 });
  const onMember = (await member.request('GET', '/api/v1/tasks')).body as { tasks: Array<{ name: string; command: string; cwd: string }> };
  assert.deepEqual(onMember.tasks.map((t) => [t.name, t.command, t.cwd]), [['Beat', 'node', 'app']], 'it runs on the member');
  await page.getByTestId('task-logs').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-lines"] .log-line')].some((line) => line.textContent?.includes('tick 8')), undefined, { timeout: 10_000 });
  assert.ok(await page.locator('.log-stderr').getByText('warming up').isVisible(), 'stderr is shown, marked');
  await shoot('fleet-running-light');

  await page.getByTestId('log-search').locator('input').fill('tick 5');
  await page.getByTestId('log-search').locator('input').press('Enter');
  await page.waitForFunction(() => {
    const lines = [...document.querySelectorAll('[data-testid="log-lines"] .log-line .log-text')].map((line) => line.textContent ?? '');
    return lines.length > 0 && lines.every((text) => text.includes('tick 5'));
  });
  await page.locator('.ant-tag-close-icon').click();
});

test('the algo is stopped (asked first) and started again from the page', async () => {
  await page.getByTestId('stop-Beat').click();
  await page.locator('.ant-popconfirm').getByRole('button', { name: 'Stop' }).click();
  await taskState('Beat').getByText('stopped').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-lines"] .log-line')].some((line) => line.textContent?.includes('bye')));
  await page.getByTestId('start-Beat').click();
  await taskState('Beat').getByText('running').waitFor({ timeout: 10_000 });
  const task = ((await member.request('GET', '/api/v1/tasks')).body as { tasks: Array<{ run: number; state: string }> }).tasks[0]!;
  assert.equal(task.run, 2);
});

test('home shows algos running and agents online', async () => {
  await show('/', 'home-page');
  await page.getByTestId('figure-algos').getByText('1 of 1').waitFor();
  await page.getByTestId('figure-agents').getByText('2 of 2').waitFor();
  await shoot('fleet-home-light');
});

test('a member that goes offline is shown so, and comes back', async () => {
  await show('/fleet', 'fleet-page');
  await page.getByTestId('agent-ec2-mumbai').click();
  const dataDir = member.dataDir;
  const port = member.agent.port;
  await member.stop();
  await page.getByTestId('agent-status-ec2-mumbai').getByText(/offline/).waitFor({ timeout: 10_000 });
  await page.getByTestId('agent-offline').waitFor();
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot('fleet-offline-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  member = await startTestAgent({ dataDir, port, name: 'ec2-mumbai', workers: 1, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
  await waitFor('the hub sees it back', async () => ((await hub.request('GET', '/api/v1/agents')).body as { agents: Array<{ name: string; status: string }> }).agents.find((a) => a.name === 'ec2-mumbai')?.status === 'online', 15_000);
  await page.getByTestId('agent-status-ec2-mumbai').getByText('online').waitFor({ timeout: 15_000 });
  // It brought back the algo it was running, and the page follows its tasks again.
  await taskState('Beat').getByText('running').waitFor({ timeout: 15_000 });
  await waitFor('no page errors', () => pageErrors.length === 0 || pageErrors);
  assert.deepEqual(pageErrors, []);
});
