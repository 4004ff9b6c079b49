/**
 * Debian's Chromium driven by playwright-core, for the dashboard's browser tests and the UI
 * benchmark: never a downloaded browser, always a fresh profile, removed afterwards.
 * Screenshots go to test-artifacts/screenshots/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: { width?: number; height?: number; colorScheme?: 'dark' | 'light' } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'algodeck-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page of `browser` whose uncaught errors are added to `errors` (a test asserts there are none). */
export async function watchedPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/** Signs the dashboard at `url` in with the agent's token and waits for its stream to open. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('secret').fill(token);
  await page.getByTestId('sign-in-button').click();
  await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor();
}

/** Goes to the dashboard's page `path` (its hash) and waits for `testId`; a screenshot (`failed-<shot>`) if it never shows. */
export async function showPage(page: Page, path: string, testId: string, shot = testId): Promise<void> {
  // Runs in the page: its `location` (this file is type-checked without the DOM's types).
  await page.evaluate((hash) => ((globalThis as unknown as { location: { hash: string } }).location.hash = hash), path);
  try {
    await page.getByTestId(testId).waitFor({ timeout: 10_000 });
  } catch (error) {
    await page.screenshot({ path: screenshotPath(`failed-${shot}`) });
    throw error;
  }
}
