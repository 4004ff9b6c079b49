/** `npm run agent -- …`: a headless agent (on a server, in Docker, or beside the desktop app). */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { agentNameArgument, integerArgument, labelArgument, marketProtectionArgument, positiveArgument, publicNamesArgument } from './cli-arguments';
import { linkUrl } from './fleet/fleet-member';
import { MAX_WORKERS } from '../shared/contract/schemas';
import { startAgent } from './agent';
import { defaultDataDir } from './agent-config';
import { LOG_FORMATS, type LogFormat, createLogger } from './log/logger';
import { openBrowser, reasonNotToOpen } from './open-browser';
import { dashboardBuilt } from './server/dashboard-files';
import { MAX_GENERATED } from './market/sim/universe';
import { VERSION } from './version';

const program = new Command()
  .name('algodeck-agent')
  .description('AlgoDeck agent: ticker engine and API server (REST + WebSocket on one port).')
  .version(VERSION)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 = any free port)', integerArgument(0, 65535), 7420)
  .option('--data-dir <dir>', 'where the agent keeps its files', defaultDataDir())
  .addOption(new Option('--token <token>', 'API token (default: stored in the data dir, generated on first start)').env('ALGODECK_TOKEN'))
  .option('--workers <n>', 'ticker worker processes (default: as last run, else 3)', integerArgument(1, MAX_WORKERS))
  .addOption(new Option('--provider <name>', 'market-data provider: the simulated market, or Zerodha Kite Connect').choices(['sim', 'kite']).default('sim'))
  .option('--kite-root <url>', "one root for Kite's REST API, websocket and login page, e.g. the Kite emulator's (default: Kite's own)")
  .addOption(new Option('--kite-api-key <key>', 'the API key of your Kite app (default: as set through the API); its secret comes from KITE_API_SECRET').env('KITE_API_KEY'))
  .option('--kite-market-protection <percent>', "market protection of MARKET and SL-M orders on Kite: a percentage of the last price, or -1 for Kite's automatic (default 2)", marketProtectionArgument)
  .option('--sim-instruments <n>', 'generated instruments added to the simulated market, for load tests', integerArgument(0, MAX_GENERATED), 0)
  .option('--sim-ticks-per-second <n>', 'ticks per instrument per second in the simulated market', positiveArgument, 1)
  .option('--seed <n>', 'seed of the simulated market', integerArgument(0, 2 ** 31 - 1), 1)
  .option('--stale-after <ms>', 'an instrument with no tick for this long is stale', integerArgument(100, 86_400_000), 10_000)
  .option('--max-candle-range-days <days>', 'the longest range one candles query may ask for', integerArgument(1, 3660), 400)
  .option('--tls-cert <file>', 'TLS certificate (PEM): serve https and wss')
  .option('--tls-key <file>', 'TLS private key (PEM)')
  .option('--allow-insecure-remote', 'allow a non-loopback address without TLS (not recommended)', false)
  .option('--public-name <name>', 'a DNS name (or IP address) browsers reach the agent by, besides --host; repeat it or separate names with commas', publicNamesArgument)
  .option('--no-open', 'do not open the dashboard in the browser on start')
  .option('--no-examples', 'on a fresh data folder, do not register the example algos as tasks')
  .option('--name <name>', "this agent's name in its fleet (default: the host name)", agentNameArgument)
  .option('--label <key=value>', 'a label of this agent, shown in the fleet; repeat it for more', labelArgument)
  .option('--hub', 'let other agents join this one as members of its fleet', false)
  .addOption(new Option('--join-token <token>', 'with --hub: a token members may join with; with --join: the token to join with').env('ALGODECK_JOIN_TOKEN'))
  .option('--join <url>', "join the hub at this address as a member: wss://hub.example.net:7420 (ws:// only on loopback)")
  .option('--hub-ca <file>', "with --join: a CA certificate (PEM) to trust for the hub's TLS certificate")
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug']).default('info'))
  .addOption(new Option('--log-format <format>', 'logs as pretty lines or JSON (auto: pretty on a terminal)').choices(LOG_FORMATS).default('auto'));

program.parse();
// Read once and dropped: no process the agent starts inherits the broker's secret.
const kiteApiSecret = process.env.KITE_API_SECRET;
delete process.env.KITE_API_SECRET;
const opts = program.opts<{
  host: string;
  port: number;
  dataDir: string;
  token?: string;
  workers?: number;
  provider: 'sim' | 'kite';
  kiteRoot?: string;
  kiteApiKey?: string;
  kiteMarketProtection?: number;
  simInstruments: number;
  simTicksPerSecond: number;
  seed: number;
  staleAfter: number;
  maxCandleRangeDays: number;
  tlsCert?: string;
  tlsKey?: string;
  allowInsecureRemote: boolean;
  publicName?: string[];
  open: boolean;
  examples: boolean;
  name?: string;
  label?: Record<string, string>;
  hub: boolean;
  joinToken?: string;
  join?: string;
  hubCa?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  logFormat: LogFormat;
}>();

if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) program.error('error: --tls-cert and --tls-key go together');
if (opts.provider !== 'kite' && (opts.kiteRoot || program.getOptionValueSource('kiteApiKey') === 'cli' || opts.kiteMarketProtection !== undefined)) {
  program.error('error: --kite-root, --kite-api-key and --kite-market-protection need --provider kite');
}
if (opts.hub && opts.join) program.error('error: an agent is a hub (--hub) or joins one (--join), not both');
if (opts.join && !opts.joinToken) program.error('error: --join needs --join-token (or ALGODECK_JOIN_TOKEN): the token the hub gave');
if (opts.hubCa && !opts.join) program.error('error: --hub-ca goes with --join');
if (opts.join) {
  try {
    linkUrl(opts.join);
  } catch (error) {
    program.error(`error: ${(error as Error).message}`);
  }
}
// Read once and dropped: no task the agent starts inherits it.
delete process.env.ALGODECK_JOIN_TOKEN;
const log = createLogger({ level: opts.logLevel, format: opts.logFormat });

try {
  const agent = await startAgent({
    host: opts.host,
    port: opts.port,
    dataDir: opts.dataDir,
    // An empty ALGODECK_TOKEN= means "not set", as shells write it.
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.workers === undefined ? {} : { workers: opts.workers }),
    provider: opts.provider,
    kite: {
      ...(opts.kiteRoot ? { root: opts.kiteRoot } : {}),
      ...(opts.kiteApiKey ? { apiKey: opts.kiteApiKey } : {}),
      ...(opts.kiteMarketProtection === undefined ? {} : { marketProtection: opts.kiteMarketProtection }),
      // A secret in the environment, never on the command line, where any user's `ps` would show it.
      ...(kiteApiSecret ? { apiSecret: kiteApiSecret } : {}),
    },
    simInstruments: opts.simInstruments,
    simTicksPerSecond: opts.simTicksPerSecond,
    seed: opts.seed,
    examples: opts.examples,
    staleAfterMs: opts.staleAfter,
    maxCandleRangeDays: opts.maxCandleRangeDays,
    ...(opts.tlsCert && opts.tlsKey ? { tls: { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) } } : {}),
    allowInsecureRemote: opts.allowInsecureRemote,
    publicNames: opts.publicName ?? [],
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.label ? { labels: opts.label } : {}),
    fleet: {
      hub: opts.hub,
      ...(opts.hub && opts.joinToken ? { joinToken: opts.joinToken } : {}),
      ...(opts.join && opts.joinToken
        ? { join: { url: opts.join, token: opts.joinToken, ...(opts.hubCa ? { ca: readFileSync(opts.hubCa) } : {}) } }
        : {}),
    },
    log,
  });
  log.info({ url: agent.url, dashboard: agent.dashboard.url, tokenFile: agent.tokenFile }, 'AlgoDeck agent ready');
  // One write, so a reader of the output never sees the first line without the others.
  const token = agent.tokenFile ? `API token: stored in ${agent.tokenFile}` : 'API token: as given (--token or ALGODECK_TOKEN)';
  const built = dashboardBuilt(agent.dashboard.dir) ? '' : ' (not built yet: run npm run build)';
  console.log(`AlgoDeck agent ${VERSION} listening on ${agent.url}\n${token}\n\n  Dashboard: ${agent.dashboard.url}${built}\n`);
  const notOpening = reasonNotToOpen({ wanted: opts.open, stdoutIsTTY: process.stdout.isTTY === true, env: process.env, platform: process.platform });
  if (notOpening === null) openBrowser(agent.dashboard.url, log);
  else log.debug({ reason: notOpening }, 'not opening the browser');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'stopping at once');
      process.exit(1); // a second signal: the user wants out now
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  log.fatal({ err: error }, 'the agent could not start');
  console.error(`AlgoDeck agent could not start: ${(error as Error).message}`);
  process.exit(1);
}
