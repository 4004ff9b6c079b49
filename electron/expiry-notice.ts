/**
 * When the shell tells the trader, with a system notification, that the broker wants a login:
 * Kite's access token ends every morning, and a ticker waiting for a login gets no prices. Told
 * once per change (the session ending, or none at the app's start), never again while it waits.
 */
import type { BrokerState } from '../shared/contract/api';

export interface Notice {
  title: string;
  body: string;
}

type Session = Pick<BrokerState, 'provider' | 'session' | 'userId' | 'expiresAt'>;

/** The notice for going from `previous` (null at start) to `next` (null when the agent did not answer). */
export function expiryNotice(previous: Session | null, next: Session | null): Notice | null {
  if (!next || next.provider === 'sim' || next.session === 'logged-in') return null;
  // Another provider before (the agent restarted on Kite) is a new start.
  const before = previous?.provider === next.provider ? previous : null;
  if (before && before.session !== 'logged-in') return null;
  if (before) {
    return {
      title: 'Kite session ended',
      body: `${next.session === 'expired' ? 'The access token expired' : 'Kite logged AlgoDeck out'}: the ticker waits for a new login. Open AlgoDeck and log in to Kite.`,
    };
  }
  return { title: 'Log in to Kite', body: "Today's Kite session needs a login before prices flow. Open AlgoDeck and log in to Kite." };
}
