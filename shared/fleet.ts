/**
 * The fleet: agents joined to a hub. Each agent has a lasting id; the hub keeps who joined, when
 * each was last seen and its latest statistics, and routes the API's calls and stream topics to
 * a member over the link the member dialled.
 */
import type { SystemHistory, SystemSample } from './system';

export type AgentStatus = 'online' | 'offline';

export interface AgentInfo {
  id: string;
  name: string;
  status: AgentStatus;
  /** Whether this is the hub itself. */
  hub: boolean;
  labels: Record<string, string>;
  /** Where the member's link came from (the hub's own: its listen address). */
  address: string | null;
  version: string | null;
  lastSeen: string | null;
  joinedAt: string | null;
  /** Its latest statistics (null before the first); `GET /api/v1/agents` adds their history. */
  system: SystemSample | null;
  /** The main figures of `system`, at the top for a quick look (null without a sample). */
  cpuPercent: number | null;
  memoryPercent: number | null;
  diskPercent: number | null;
  rxBytesPerSecond: number | null;
  txBytesPerSecond: number | null;
  uptimeSeconds: number | null;
  tasks: { total: number; running: number; errored: number };
  /** Why it is offline, when known (`the link closed`, `no answer to pings`…). */
  reason: string | null;
}

export interface AgentWithHistory extends AgentInfo {
  history: SystemHistory | null;
}

/** One entry of the audit log: who did what, when, on which agent, and how it ended. */
export interface AuditEntry {
  id: number;
  at: string;
  /** `owner`, `session`, `task:<id>`, `hub` (a command routed from the hub), with the caller's address. */
  who: string;
  address: string | null;
  /** The agent it ran on (its name); the hub routes, the member runs. */
  agent: string;
  /** The API method, e.g. `stopTask`, and its route. */
  method: string;
  route: string;
  /** Its input, secrets replaced by `"…"` and files by their size. */
  input: unknown;
  /** `ok`, or the error code. */
  result: string;
  status: number;
  durationMs: number;
}

/** The WebSocket path a member dials on its hub. */
export const FLEET_LINK_PATH = '/api/v1/fleet/link';
export const FLEET_LINK_PROTOCOL = 'algodeck.link.v1';

/** The figures an agent's entry shows at its top, from its latest sample. */
export function headlineFigures(system: SystemSample | null): Pick<AgentInfo, 'cpuPercent' | 'memoryPercent' | 'diskPercent' | 'rxBytesPerSecond' | 'txBytesPerSecond' | 'uptimeSeconds'> {
  return {
    cpuPercent: system?.cpu.percent ?? null,
    memoryPercent: system?.memory.percent ?? null,
    diskPercent: system?.disk?.percent ?? null,
    rxBytesPerSecond: system?.network.rxBytesPerSecond ?? null,
    txBytesPerSecond: system?.network.txBytesPerSecond ?? null,
    uptimeSeconds: system?.uptimeSeconds ?? null,
  };
}
