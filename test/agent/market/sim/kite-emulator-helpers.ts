/** Starting the Kite emulator in a test, logging in through it, and reading the official client's errors. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { KiteConnect } from 'kiteconnect';
import { startSimTickerServer, type SimTickerServer, type SimTickerServerOptions } from '../../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../../agent/market/sim/universe';
import { KiteTestClient } from './kite-test-client';

export const KEY = 'emu-key';
export const SECRET = 'emu-secret';
export const TOKEN = 'emu-initial-token';
export const REDIRECT = 'http://127.0.0.1:9/kite/callback';
export const universe = buildUniverse({ generated: 1000 });

export type Kite = InstanceType<typeof KiteConnect>;

export async function startEmulator(t: TestContext, options: Partial<SimTickerServerOptions> = {}): Promise<SimTickerServer> {
  const server = await startSimTickerServer({
    universe,
    apiKey: KEY,
    apiSecret: SECRET,
    accessToken: TOKEN,
    redirectUrl: REDIRECT,
    seed: 7,
    ...options,
  });
  t.after(() => server.close(), { timeout: 5000 });
  return server;
}

/** The official client, pointed at the emulator. */
export function kiteClient(server: SimTickerServer, accessToken?: string): Kite {
  const kite = new KiteConnect({ api_key: KEY, root: server.httpUrl });
  if (accessToken) kite.setAccessToken(accessToken);
  return kite;
}

/** Opens the login page as a browser would, without following the redirect; returns where it points. */
export async function loginRedirect(server: SimTickerServer, redirectParams?: string): Promise<URL> {
  const query = new URLSearchParams({ api_key: KEY, v: '3', ...(redirectParams === undefined ? {} : { redirect_params: redirectParams }) });
  const response = await fetch(`${server.httpUrl}/connect/login?${query}`, { redirect: 'manual' });
  assert.equal(response.status, 302);
  await response.arrayBuffer();
  return new URL(response.headers.get('location')!);
}

/** The whole login: redirect, then the token exchange through the official client. */
export async function login(server: SimTickerServer): Promise<{ kite: Kite; accessToken: string }> {
  const requestToken = (await loginRedirect(server)).searchParams.get('request_token')!;
  const kite = kiteClient(server);
  const session = await kite.generateSession(requestToken, SECRET);
  return { kite, accessToken: session.access_token };
}

export async function connectTicker(t: TestContext, server: SimTickerServer, accessToken = TOKEN): Promise<KiteTestClient> {
  const client = await KiteTestClient.open(server.url, KEY, accessToken);
  t.after(() => client.close());
  return client;
}

/** The official client rejects with Kite's error body, not an Error: this matches one. */
export function kiteError(type: string, message: string | RegExp) {
  return (error: { error_type?: string; message?: string }) => {
    assert.equal(error.error_type, type, JSON.stringify(error));
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message ?? '', message);
    return true;
  };
}

export const INCORRECT = 'Incorrect `api_key` or `access_token`.';
