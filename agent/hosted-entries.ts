/**
 * Where the modules that run in their own processes live: beside their sources under tsx, or
 * in the built tree (`npm run build`: dist/agent/…, one level under dist/ like every bundle).
 */
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

function entry(relative: string): string {
  return fileURLToPath(
    FROM_SOURCE ? new URL(`./${relative}.ts`, import.meta.url) : new URL(`../agent/${relative}.mjs`, import.meta.url),
  );
}

export const TICKER_WORKER_ENTRY = entry('ticker/worker-main');
export const SIM_MARKET_ENTRY = entry('market/sim/sim-exchange-main');
/** The agent embedded in the desktop app, started by the shell in a utility process. */
export const EMBEDDED_AGENT_ENTRY = entry('embedded-main');
