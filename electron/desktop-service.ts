/**
 * What the main process answers over IPC, as a plain object the shell wires to `ipcMain.handle`
 * (one handler per channel of `shared/desktop.ts`). Every argument is validated here: the page is
 * the least trusted part of the app. Answers are `DesktopResult`s: a value, or an error with a
 * stable code and the field at fault, never a thrown exception across the process boundary.
 */
import { z } from 'zod';
import { ApiError } from '../shared/errors';
import { type DesktopAgent, type DesktopAgents, type DesktopConnection, type DesktopMethod, type DesktopResult, type DesktopSettings, type DesktopValue, EMBEDDED_AGENT_ID, type MarketProvider } from '../shared/desktop';
import type { ProbeResult, RemoteAgents } from './remote-agents';
import { externalUrlAllowed } from './window-policy';

export interface EmbeddedAgent {
  url: string;
  token: string;
}

export interface DesktopServiceDeps {
  agents: RemoteAgents;
  /** The embedded agent once it is up; null while it starts (or after it failed). */
  embedded(): EmbeddedAgent | null;
  /** Why the embedded agent is not up, for the page (null while it simply starts). */
  embeddedProblem(): string | null;
  probe(origin: string, token: string): Promise<ProbeResult>;
  openExternal(url: string): Promise<void>;
  brokerLogin(connection: DesktopConnection): Promise<{ ok: boolean; message: string }>;
  startAtLogin: { get(): boolean; set(on: boolean): void };
  /** This computer's agent's market; `set` restarts the agent on the new one and resolves once it is up. */
  provider: { get(): MarketProvider; set(provider: MarketProvider): Promise<void> };
  secretStorageProblem(): string | null;
}

export const EMBEDDED_AGENT_NAME = 'This computer';

const noArgs = z.tuple([]);
const ARGS: { [M in DesktopMethod]: z.ZodType<unknown[]> } = {
  listAgents: noArgs,
  connection: noArgs,
  selectAgent: z.tuple([z.string().max(64)]),
  // The agent's own fields are checked by RemoteAgents.add, which names the field at fault.
  addAgent: z.tuple([z.record(z.string(), z.unknown())]),
  removeAgent: z.tuple([z.string().max(64)]),
  openExternal: z.tuple([z.string().max(4096)]),
  brokerLogin: noArgs,
  getSettings: noArgs,
  setStartAtLogin: z.tuple([z.boolean()]),
  setProvider: z.tuple([z.enum(['sim', 'kite'])]),
};

export class DesktopService {
  constructor(private readonly deps: DesktopServiceDeps) {}

  /** The answer to one IPC call: `method` as the channel named it, `args` as the page sent them. */
  async handle(method: string, args: unknown[]): Promise<DesktopResult<unknown>> {
    try {
      if (!Object.hasOwn(ARGS, method)) throw new ApiError('not_found', `No such desktop method: ${method}.`);
      const name = method as DesktopMethod;
      const parsed = ARGS[name].safeParse(args);
      if (!parsed.success) throw new ApiError('invalid_request', `${name}: ${parsed.error.issues[0]?.message ?? 'bad arguments'}`);
      return { ok: true, value: await this.run(name, parsed.data) };
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('internal', error instanceof Error ? error.message : String(error));
      return { ok: false, error: { code: apiError.code, message: apiError.message, ...(apiError.field === undefined ? {} : { field: apiError.field }) } };
    }
  }

  /** Every agent the window may talk to (for the page's Content-Security-Policy). */
  agentUrls(): string[] {
    const embedded = this.deps.embedded();
    return [...(embedded ? [embedded.url] : []), ...this.deps.agents.list().map((agent) => agent.url)];
  }

  listAgents(): DesktopAgents {
    const embedded = this.deps.embedded();
    const own: DesktopAgent = { id: EMBEDDED_AGENT_ID, name: EMBEDDED_AGENT_NAME, url: embedded?.url ?? '', embedded: true };
    return { agents: [own, ...this.deps.agents.list()], selected: this.deps.agents.selected };
  }

  connection(): DesktopConnection {
    const id = this.deps.agents.selected;
    if (id === EMBEDDED_AGENT_ID) {
      const embedded = this.deps.embedded();
      if (!embedded) throw new ApiError('unavailable', this.deps.embeddedProblem() ?? 'The agent on this computer is starting.');
      return { agent: { id, name: EMBEDDED_AGENT_NAME, url: embedded.url, embedded: true }, token: embedded.token };
    }
    const agent = this.deps.agents.get(id)!;
    const token = this.deps.agents.token(id);
    if (token === undefined) throw new ApiError('unavailable', `The token of ${agent.name} could not be read from the keychain: remove the agent and add it again.`);
    return { agent, token };
  }

  settings(): DesktopSettings {
    return { startAtLogin: this.deps.startAtLogin.get(), provider: this.deps.provider.get(), secretStorageProblem: this.deps.secretStorageProblem() };
  }

  private async run(method: DesktopMethod, args: unknown[]): Promise<DesktopValue[DesktopMethod]> {
    switch (method) {
      case 'listAgents':
        return this.listAgents();
      case 'connection':
        return this.connection();
      case 'selectAgent':
        this.deps.agents.select(args[0] as string);
        return this.connection();
      case 'addAgent':
        await this.deps.agents.add(args[0], (origin, token) => this.deps.probe(origin, token));
        return this.listAgents();
      case 'removeAgent':
        this.deps.agents.remove(args[0] as string);
        return this.listAgents();
      case 'openExternal': {
        const url = args[0] as string;
        if (!externalUrlAllowed(url, this.agentUrls())) return false;
        await this.deps.openExternal(url);
        return true;
      }
      case 'brokerLogin':
        return this.deps.brokerLogin(this.connection());
      case 'getSettings':
        return this.settings();
      case 'setStartAtLogin':
        this.deps.startAtLogin.set(args[0] as boolean);
        return this.settings();
      case 'setProvider':
        if (args[0] !== this.deps.provider.get()) {
          try {
            await this.deps.provider.set(args[0] as MarketProvider);
          } catch (error) {
            throw new ApiError('unavailable', `The agent on this computer did not start on the new market: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        return this.settings();
    }
  }
}
