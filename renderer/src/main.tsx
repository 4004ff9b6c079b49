/** The dashboard's entry: theme, sign-in gate, and the signed-in shell for the agent that served it. */
import { App as AntApp, Button, ConfigProvider, Result, Spin } from 'antd';
import { lazy, StrictMode, Suspense, useEffect, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { useStore } from 'zustand';
import { browserFetch, connectAgent } from './agent/agent-connection';
import { abandonEarly } from './agent/early';
import { type Deck, DeckContext, openDeck } from './app/deck';
import { agentUrl, session } from './app/session';
import { useSettings } from './app/settings';
import { Shell } from './app/shell';
import { antdTheme, resolveTheme, useOsDark } from './app/theme';
import 'antd/dist/antd.css';
import './styles.css';

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
    current = openDeck(connectAgent({ url: agentUrl, fetch: fetchWatching }));
  } else {
    abandonEarly(window.algodeckEarly);
    current?.close();
    current = null;
  }
  for (const listener of deckListeners) listener();
});
void session.getState().check();

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
  if (status === 'checking') return <Spin fullscreen tip="Connecting to the agent…" />;
  if (status === 'unreachable') {
    return (
      <Result
        status="warning"
        title="The agent cannot be reached"
        subTitle={error?.message}
        extra={<Button onClick={() => void session.getState().check()}>Try again</Button>}
      />
    );
  }
  if (status === 'signed-out') {
    return (
      <Suspense fallback={<Spin fullscreen />}>
        <SignInPage session={session} agentUrl={agentUrl} />
      </Suspense>
    );
  }
  return <SignedIn />;
}

function Themed() {
  const choice = useSettings((slice) => slice.theme);
  const palette = useSettings((slice) => slice.palette);
  const mode = resolveTheme(choice, useOsDark());
  useEffect(() => {
    document.documentElement.dataset.theme = mode;
    document.documentElement.dataset.palette = palette;
    document.documentElement.style.colorScheme = mode;
  }, [mode, palette]);
  return (
    <ConfigProvider theme={antdTheme(mode)} componentSize="small">
      <AntApp style={{ height: '100%' }}>
        <Root />
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Themed />
  </StrictMode>,
);
