/** The dashboard's entry: theme, sign-in gate, and the signed-in shell for the agent that served it. */
import { App as AntApp, Button, ConfigProvider, Result, Spin } from 'antd';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useStore } from 'zustand';
import { browserFetch, connectAgent } from './agent/agent-connection';
import { type Deck, DeckContext, openDeck } from './app/deck';
import { agentUrl, session } from './app/session';
import { useSettings } from './app/settings';
import { Shell } from './app/shell';
import { antdTheme, resolveTheme, useOsDark } from './app/theme';
import { SignInPage } from './pages/sign-in/sign-in-page';
import 'antd/dist/antd.css';
import './styles.css';

function SignedIn() {
  const [deck, setDeck] = useState<Deck | null>(null);
  useEffect(() => {
    // A 401 from any call means the cookie ended (expired, or signed out in another tab).
    const fetchWatching: typeof browserFetch = async (url, init) => {
      const response = await browserFetch(url, init);
      if (response.status === 401) session.getState().ended();
      return response;
    };
    const opened = openDeck(connectAgent({ url: agentUrl, fetch: fetchWatching }));
    // The deck is an outside resource (a socket, timers): made once per mount, closed with it.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setDeck(opened);
    return () => opened.close();
  }, []);
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
  useEffect(() => void session.getState().check(), []);
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
  if (status === 'signed-out') return <SignInPage session={session} agentUrl={agentUrl} />;
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
