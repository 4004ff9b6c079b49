/**
 * The dashboard's first script: a separate entry that loads and runs on its own, before the
 * app's bundle, and starts the agent's first requests (see `early-start.ts`).
 */
import type {} from '../../../shared/desktop';
import { type EarlySocketLike, type EarlyStart, startEarly } from './early-start';

declare global {
  interface Window {
    algodeckEarly?: EarlyStart;
  }
}

// In the desktop app the agent is another origin, named by the shell: the app asks it itself.
if (!window.algodeckDesktop) window.algodeckEarly = startEarly({
  origin: window.location.origin,
  fetch: (url, init) => fetch(url, init),
  // The browser's WebSocket types its listeners more narrowly than the structural interface.
  openSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as EarlySocketLike,
  now: () => performance.now(),
});
