/**
 * `npm run kite-sim -- …`: the simulated market alone, as a Kite emulator (websocket ticker and
 * REST API on one port), for running a Kite client (ours or Zerodha's) against it by hand or
 * from tests in another process. Credentials not given are generated and printed.
 */
import { Command } from 'commander';
import { MINUTE_MS } from '../../../shared/market-session';
import { integerArgument, positiveArgument } from '../../cli-arguments';
import { randomToken } from './kite-sessions';
import { DEFAULT_REDIRECT_URL } from './sim-ticker-options';
import { startSimTickerServer } from './sim-ticker-server';
import { MAX_GENERATED, buildUniverse } from './universe';

const program = new Command()
  .name('kite-sim')
  .description('The simulated market as a Kite Connect emulator: websocket ticker and REST API on one port.')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 = any free port)', integerArgument(0, 65535), 7421)
  .option('--api-key <key>', 'API key (default: generated)')
  .option('--api-secret <secret>', 'API secret (default: generated)')
  .option('--access-token <token>', 'an access token valid from the start (default: generated)')
  .option('--redirect-url <url>', 'where the login page sends the browser with its request token', DEFAULT_REDIRECT_URL)
  .option('--seed <n>', 'seed of the simulated market', integerArgument(0, 2 ** 31 - 1), 1)
  .option('--ticks-per-second <n>', 'ticks per instrument per second', positiveArgument, 1)
  .option('--sim-instruments <n>', 'generated instruments added to the NIFTY 50, for load tests', integerArgument(0, MAX_GENERATED), 0);

program.parse();
const opts = program.opts<{
  host: string;
  port: number;
  apiKey?: string;
  apiSecret?: string;
  accessToken?: string;
  redirectUrl: string;
  seed: number;
  ticksPerSecond: number;
  simInstruments: number;
}>();

try {
  const apiKey = opts.apiKey || randomToken(16);
  const accessToken = opts.accessToken || randomToken();
  const server = await startSimTickerServer({
    universe: buildUniverse({ generated: opts.simInstruments }),
    apiKey,
    accessToken,
    apiSecret: opts.apiSecret || randomToken(),
    redirectUrl: opts.redirectUrl,
    seed: opts.seed,
    ticksPerSecond: opts.ticksPerSecond,
    // The simulated history runs up to the start and live prices carry on from it.
    historyFrom: Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS,
    host: opts.host,
    port: opts.port,
  });
  // Listening for the signals before printing: a reader may stop it as soon as it reads.
  let stopping = false;
  const shutdown = () => {
    if (stopping) process.exit(1); // a second signal: out now
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // One write, so a reader of the output never sees part of it.
  console.log(
    [
      `Kite emulator listening on ${server.httpUrl}`,
      `api key:      ${apiKey}`,
      `api secret:   ${server.apiSecret}`,
      `access token: ${accessToken}`,
      `REST root:    ${server.httpUrl}`,
      `websocket:    ${server.url}`,
      `login URL:    ${server.httpUrl}/connect/login?api_key=${encodeURIComponent(apiKey)}&v=3`,
      `redirect URL: ${opts.redirectUrl}`,
    ].join('\n'),
  );
} catch (error) {
  console.error(`The Kite emulator could not start: ${(error as Error).message}`);
  process.exit(1);
}
