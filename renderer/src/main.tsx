/**
 * The dashboard's entry: theme, sign-in gate, and the signed-in shell for the agent that served
 * it. Nothing here needs antd: it loads with the pages, after the first prices (`antd-island`).
 */
import { lazy, StrictMode, useLayoutEffect, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { useStore } from 'zustand';
import { browserFetch, connectAgent } from './agent/agent-connection';
import { abandonEarly } from './agent/early';
import { type Deck, DeckContext, openDeck } from './app/deck';
import { agentUrl, desktop, session } from './app/session';
import { EMBEDDED_AGENT_ID } from '../../shared/desktop';
import { useSettings } from './app/settings';
import { Shell } from './app/shell';
import { AntdIsland, Loading, openAntd } from './app/antd-island';
import { resolveTheme, useOsDark } from './app/theme';
import './styles.css';
import './trading.css';

/** antd waits for the first prices, but not for long: the pages are drawn within this. */
const ANTD_AT_THE_LATEST_MS = 1_500;

// Only a signed-out browser needs the sign-in form (and antd's Form with it).
const SignInPage = lazy(() => import('./pages/sign-in/sign-in-page').then((m) => ({ default: m.SignInPage })));

/**
 * The deck of the signed-in session, opened the moment the agent says the session is good (not
 * after a render), and closed when it ends.
 */
let current: Deck | null = null;
const deckListeners = new Set<() => void>();
session.subscribe((state) => {
  const wanted = state.status === 'signed-in';
  if (wanted === (current !== null)) return;
  if (wanted) {
    // A 401 from any call means the cookie ended (expired, or signed out in another tab).
    const fetchWatching: typeof browserFetch = async (url, init) => {
      const response = await browserFetch(url, init);
      if (response.status === 401) session.getState().ended();
      return response;
    };
    const target = state.target ?? { url: agentUrl };
    current = openDeck(connectAgent({ url: target.url, ...(target.token === undefined ? {} : { token: target.token }), fetch: fetchWatching }));
    // Prices first, then antd and the pages: right after the first frame that drew a price.
    const stopWatching = current.feed.prices.onFrame(() => {
      stopWatching();
      setTimeout(openAntd, 0);
    });
    setTimeout(openAntd, ANTD_AT_THE_LATEST_MS);
  } else {
    abandonEarly(window.algodeckEarly);
    current?.close();
    current = null;
  }
  for (const listener of deckListeners) listener();
});
void session.getState().check();

// The shell's news: a refused certificate of the agent shown (never accepted silently), and a
// Kite login finished from the tray.
desktop?.onEvent((event) => {
  if (event.type === 'certificate-error') {
    const target = session.getState().target?.url;
    if (target === undefined || new URL(event.url).origin === target) {
      session.setState({ status: 'unreachable', error: { code: 'certificate', message: `The TLS certificate of ${new URL(event.url).origin} was refused (${event.error}). AlgoDeck never accepts a certificate this computer does not trust.` } });
    }
  } else if (event.type === 'broker-login') void current?.broker.getState().refresh();
});

function SignedIn() {
  const deck = useSyncExternalStore(
    (listener) => (deckListeners.add(listener), () => deckListeners.delete(listener)),
    () => current,
  );
  if (!deck) return null;
  return (
    <DeckContext.Provider value={deck}>
      <Shell />
    </DeckContext.Provider>
  );
}

function Root() {
  const status = useStore(session, (slice) => slice.status);
  const error = useStore(session, (slice) => slice.error);
  if (status === 'checking') return <Loading label="Connecting to the agent…" />;
  if (status === 'unreachable') {
    const starting = error?.code === 'starting';
    return (
      <div className="notice" role="alert" data-testid="agent-unreachable">
        <h1>{starting ? 'Waiting for the agent' : error?.code === 'certificate' ? "The agent's certificate was refused" : error?.code === 'unauthorized' ? 'The agent refused the token' : 'The agent cannot be reached'}</h1>
        <p>{error?.message}</p>
        <button type="button" className="plain-button" onClick={() => void session.getState().check()}>
          Try again
        </button>
        {desktop && !starting ? (
          // A remote agent that is down or refuses its token: the one on this computer is a click away.
          <button type="button" className="plain-button" onClick={() => void desktop?.selectAgent(EMBEDDED_AGENT_ID).then(() => window.location.reload())}>
            Show this computer's agent
          </button>
        ) : null}
      </div>
    );
  }
  if (status === 'signed-out') {
    openAntd();
    return (
      <AntdIsland fallback={<Loading />} style={{ height: '100%' }}>
        <SignInPage session={session} agentUrl={agentUrl} />
      </AntdIsland>
    );
  }
  return <SignedIn />;
}

function Themed() {
  const choice = useSettings((slice) => slice.theme);
  const palette = useSettings((slice) => slice.palette);
  const mode = resolveTheme(choice, useOsDark());
  // Before the first paint: the shell's colours follow these attributes.
  useLayoutEffect(() => {
    document.documentElement.dataset.theme = mode;
    document.documentElement.dataset.palette = palette;
    document.documentElement.style.colorScheme = mode;
  }, [mode, palette]);
  return <Root />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Themed />
  </StrictMode>,
);
