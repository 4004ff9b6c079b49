/** The page's agent (the one that served it) and this browser's sign-in with it. */
import { createApiClient } from '../../../shared/contract/client';
import { browserFetch } from '../agent/agent-connection';
import { createSessionStore } from '../stores/session-store';

export const agentUrl = window.location.origin;
export const session = createSessionStore(createApiClient(agentUrl, undefined, browserFetch));
