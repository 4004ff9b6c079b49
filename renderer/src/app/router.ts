/**
 * Hash routing (`#/ticker`): the same build works at an agent's root and from the desktop app's
 * own scheme, with no server fallback. A route is a path and optional query (`#/market?i=NSE:INFY`).
 */
import { useSyncExternalStore } from 'react';

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const text = hash.replace(/^#/, '') || '/';
  const mark = text.indexOf('?');
  const path = mark < 0 ? text : text.slice(0, mark);
  const query = mark < 0 ? '' : text.slice(mark + 1);
  return { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(query) };
}

const subscribe = (listener: () => void) => {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
};

export function useLocation(): Location {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseHash(hash);
}

export function navigate(path: string): void {
  window.location.hash = path;
}
