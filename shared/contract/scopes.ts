/**
 * Who may call what. The agent resolves each bearer token to a principal; every method and
 * stream topic declares a scope; `permits` decides. Pure, so the dashboard can grey out what a
 * viewer cannot do, and so the decision has one table of hostile tests.
 */

/** Who is calling, as the agent resolved their token. */
export type Principal =
  /** The agent's own token: everything. */
  | { kind: 'owner' }
  /** A signed-in dashboard: everything but what only the owner may do (tokens, fleet joins). */
  | { kind: 'session'; sessionId: string }
  /** An algo running as a task, with its own token: market data, and its own task only. */
  | { kind: 'task'; taskId: string }
  /** Read-only: market data and state, no changes. */
  | { kind: 'viewer' }
  /**
   * A fleet member at its hub, for its own algos' orders (one algo when it acts for one of its
   * tasks): what a member's link may ask of the hub's risk manager, and nothing else.
   */
  | { kind: 'member'; agentId: string; algo?: string };

export type PrincipalKind = Principal['kind'];

/** Whether `value` is a principal of a known kind, as a token resolver must return. */
export function isPrincipal(value: unknown): value is Principal {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'kind')) return false;
  const { kind } = value as { kind: unknown };
  if (kind === 'owner' || kind === 'viewer') return true;
  if (kind === 'session') return typeof (value as { sessionId?: unknown }).sessionId === 'string';
  if (kind === 'task') return typeof (value as { taskId?: unknown }).taskId === 'string';
  if (kind === 'member') {
    const { agentId, algo } = value as { agentId?: unknown; algo?: unknown };
    return typeof agentId === 'string' && (algo === undefined || typeof algo === 'string');
  }
  return false;
}

export const SCOPES = ['public', 'read', 'observe', 'task', 'control', 'owner'] as const;
/**
 * - `public`: no token needed (health).
 * - `read`: any principal (market data, state).
 * - `observe`: any principal but a task's (or a member's acting for its algos): the machine's and the fleet's state (a task's token
 *   reads market data and acts on its own task, nothing about other machines).
 * - `task`: owner, sessions, and a task acting on itself: when the method names a task (its
 *   `taskParam`), a task principal may call it only with its own id.
 * - `control`: owner and sessions (the ticker, starting and stopping tasks).
 * - `owner`: the owner alone.
 */
export type Scope = (typeof SCOPES)[number];

const CONTROL: readonly PrincipalKind[] = ['owner', 'session'];

/**
 * Whether `principal` may call something of `scope` with `input`. For `task` scope, `taskParam`
 * names the input field holding the task id the call is about (none: the caller's own task).
 */
export function permits(
  scope: Scope,
  principal: Principal | undefined,
  input: unknown = {},
  taskParam?: string,
): boolean {
  if (scope === 'public') return true;
  if (!isPrincipal(principal)) return false;
  switch (scope) {
    case 'read':
      return true;
    case 'observe':
      return principal.kind !== 'task' && principal.kind !== 'member';
    case 'control':
      return CONTROL.includes(principal.kind);
    case 'owner':
      return principal.kind === 'owner';
    case 'task': {
      if (CONTROL.includes(principal.kind)) return true;
      // A member acts for its algos, never on a named task of the hub.
      if (principal.kind === 'member') return taskParam === undefined;
      if (principal.kind !== 'task') return false;
      if (taskParam === undefined) return true;
      const named = typeof input === 'object' && input !== null && Object.hasOwn(input, taskParam) ? (input as Record<string, unknown>)[taskParam] : undefined;
      return typeof named === 'string' && named === principal.taskId;
    }
  }
}
