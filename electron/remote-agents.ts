/**
 * The agents the desktop knows besides its embedded one: name and address in a small JSON file,
 * each token encrypted in the OS keychain's file (`SafeSecretFile`), and which agent the window
 * shows. An agent is added only after it answered: TLS off loopback, its certificate accepted by
 * the system (a refused certificate is reported, never overridden), the token accepted.
 */
import { randomUUID } from 'node:crypto';
import { renameSync } from 'node:fs';
import { z } from 'zod';
import { readIfExists, writePrivateFile } from '../agent/store/private-file';
import { ApiError } from '../shared/errors';
import { type DesktopAgent, EMBEDDED_AGENT_ID, type NewRemoteAgent } from '../shared/desktop';
import { AGENT_ADDRESS_PROBLEMS, agentAddress } from '../shared/agent-address';
import type { SecretFile } from './safe-secret-file';

export const MAX_REMOTE_AGENTS = 50;

const nameSchema = z
  .string()
  .trim()
  .min(1, 'give the agent a name')
  .max(60, 'at most 60 characters')
  .refine((name) => ![...name].some((char) => char < ' ' || char === '\u007f'), 'no control characters');
const tokenSchema = z.string().regex(/^[A-Za-z0-9._~+-]{16,512}$/, 'an agent token has 16 to 512 of A-Z a-z 0-9 . _ ~ + -');

export const newRemoteAgentSchema = z.strictObject({ name: nameSchema, url: z.string().max(2048), token: tokenSchema });

const storedSchema = z.strictObject({
  agents: z.array(z.strictObject({ id: z.string().uuid(), name: nameSchema, url: z.string() })).max(MAX_REMOTE_AGENTS),
  selected: z.string(),
});
type Stored = z.infer<typeof storedSchema>;

/** What an agent answered when asked who we are with the token. */
export type ProbeResult = { ok: true } | { ok: false; code: 'unauthorized' | 'certificate' | 'unreachable' | 'not_an_agent'; message: string };

/** A fetch as the shell makes it (Electron's `net.fetch`, which verifies certificates as Chromium does). */
export type ProbeFetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<{ status: number; json(): Promise<unknown> }>;

const CERTIFICATE = /CERT|certificate|SSL|TLS|self[- ]signed|UNABLE_TO_VERIFY|ERR_SSL|ALTNAME/i;

/** The message of an error and its causes, for the user and for telling a certificate problem apart. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    parts.push([typeof code === 'string' ? code : '', typeof message === 'string' ? message : ''].filter(Boolean).join(': '));
  }
  return parts.filter(Boolean).join(' ← ') || String(error);
}

/** Asks the agent at `origin` whether it accepts `token` (its session endpoint), within `timeoutMs`. */
export async function probeAgent(fetch: ProbeFetch, origin: string, token: string, timeoutMs = 5_000): Promise<ProbeResult> {
  let answer: { status: number; json(): Promise<unknown> };
  try {
    answer = await fetch(`${origin}/api/v1/session`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const detail = describe(error);
    if (CERTIFICATE.test(detail)) return { ok: false, code: 'certificate', message: `The agent's TLS certificate was refused (${detail}). AlgoDeck never accepts a certificate the system does not trust: install the agent's CA on this computer, or give the agent a trusted certificate.` };
    return { ok: false, code: 'unreachable', message: `The agent could not be reached (${detail}).` };
  }
  if (answer.status === 401) return { ok: false, code: 'unauthorized', message: 'The agent refused this token.' };
  const body = (await answer.json().catch(() => null)) as { principal?: unknown } | null;
  if (answer.status !== 200 || !body || typeof body !== 'object') return { ok: false, code: 'not_an_agent', message: `This address did not answer as an AlgoDeck agent (HTTP ${answer.status}).` };
  return { ok: true };
}

export class RemoteAgents {
  private stored: Stored;

  /**
   * @param file the list's JSON file (private, replaced by rename)
   * @param tokens the agents' tokens, encrypted
   * @param onUnreadable told when the file could not be read (it is set aside; the list starts empty)
   */
  constructor(
    readonly file: string,
    private readonly tokens: SecretFile,
    private readonly onUnreadable: (what: string) => void = () => undefined,
  ) {
    this.stored = this.load();
  }

  list(): DesktopAgent[] {
    return this.stored.agents.map((agent) => ({ ...agent, embedded: false }));
  }

  get(id: string): DesktopAgent | undefined {
    return this.list().find((agent) => agent.id === id);
  }

  /** The selected agent's id (the embedded agent's when none, or a removed one, was selected). */
  get selected(): string {
    return this.stored.agents.some((agent) => agent.id === this.stored.selected) ? this.stored.selected : EMBEDDED_AGENT_ID;
  }

  select(id: string): void {
    if (id !== EMBEDDED_AGENT_ID && !this.get(id)) throw new ApiError('not_found', 'There is no such agent.', { field: 'id' });
    this.write({ ...this.stored, selected: id });
  }

  token(id: string): string | undefined {
    return this.tokens.readAll()[tokenName(id)];
  }

  /**
   * Checks and adds an agent; its token is stored first, so a list entry never lacks one.
   * Refused with a stable code: `invalid_request` (the field at fault), `conflict` (already
   * known), `unavailable` (secrets cannot be stored here), or the probe's answer.
   */
  async add(input: unknown, probe: (origin: string, token: string) => Promise<ProbeResult>): Promise<DesktopAgent> {
    const parsed = newRemoteAgentSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ApiError('invalid_request', `${String(issue.path[0] ?? 'agent')}: ${issue.message}`, { field: String(issue.path[0] ?? '') });
    }
    const agent: NewRemoteAgent = parsed.data;
    const address = agentAddress(agent.url.trim());
    if (!address.ok) throw new ApiError('invalid_request', AGENT_ADDRESS_PROBLEMS[address.problem], { field: 'url' });
    if (this.stored.agents.some((known) => known.url === address.origin)) throw new ApiError('conflict', `${address.origin} is already in the list.`, { field: 'url' });
    if (this.stored.agents.length >= MAX_REMOTE_AGENTS) throw new ApiError('capacity_exceeded', `At most ${MAX_REMOTE_AGENTS} agents can be listed.`);
    const refusal = this.tokens.problem();
    if (refusal) throw new ApiError('unavailable', `The token cannot be stored safely: ${refusal}`);
    const answer = await probe(address.origin, agent.token);
    if (!answer.ok) {
      const field = answer.code === 'unauthorized' ? 'token' : 'url';
      throw new ApiError(answer.code === 'unauthorized' ? 'unauthorized' : 'unavailable', answer.message, { field, details: { probe: answer.code } });
    }
    const added = { id: randomUUID(), name: agent.name, url: address.origin };
    this.tokens.set(tokenName(added.id), agent.token);
    this.write({ ...this.stored, agents: [...this.stored.agents, added] });
    return { ...added, embedded: false };
  }

  /** Removes an agent and forgets its token; the embedded agent is shown if it was selected. */
  remove(id: string): void {
    if (!this.get(id)) throw new ApiError('not_found', 'There is no such agent.', { field: 'id' });
    this.write({ agents: this.stored.agents.filter((agent) => agent.id !== id), selected: this.stored.selected === id ? EMBEDDED_AGENT_ID : this.stored.selected });
    this.tokens.delete(tokenName(id));
  }

  private load(): Stored {
    const empty: Stored = { agents: [], selected: EMBEDDED_AGENT_ID };
    const text = readIfExists(this.file);
    if (text === undefined) return empty;
    let parsed: ReturnType<typeof storedSchema.safeParse>;
    try {
      parsed = storedSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = storedSchema.safeParse(undefined);
    }
    // Only entries whose address still passes today's rules (TLS off loopback).
    if (parsed.success && parsed.data.agents.every((agent) => agentAddress(agent.url).ok)) return parsed.data;
    const movedTo = `${this.file}.unreadable-${Date.now()}`;
    renameSync(this.file, movedTo);
    this.onUnreadable(`the list of agents (set aside as ${movedTo})`);
    return empty;
  }

  private write(next: Stored): void {
    writePrivateFile(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.stored = next;
  }
}

const tokenName = (id: string) => `agent-token:${id}`;
