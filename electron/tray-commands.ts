/**
 * The tray's commands on the embedded agent (the fleet's hub), bound by the shell (`main.ts`):
 * the ticker's start and stop, start-all and stop-all across the fleet, the kill switch, and one
 * algo of this computer started or stopped. Each asks first where it must, shows the agent's
 * refusal as it is, and asks for the tray's figures again after; the questions and notices are
 * the plain modules' (`tray-model.ts`, `tray-algos.ts`).
 */
import { dialog, net, Notification } from 'electron';
import { api } from '../shared/contract/api';
import type { KillSwitchResult, TickerState } from '../shared/contract/api';
import type { AgentWithHistory } from '../shared/fleet';
import { type AlgoAction, algoCommandPath, stopAlgoQuestion } from './tray-algos';
import { type FleetCommand, fleetCommandNotice, fleetCommandTargets, fleetSummary, killSwitchDialog, stopAllQuestion, type TrayInput } from './tray-model';

/** The embedded agent once it is up (its URL and token). */
export type Current = () => { url: string; token: string } | null;

/** The tray as the commands change it: its input, a redraw, and a fresh poll of the agent. */
export interface TrayState {
  input: TrayInput;
  refresh(): void;
  poll(): Promise<void>;
}

/** Starts or stops the embedded agent's ticker; a refusal is shown in a box with the agent's words. */
export async function tickerCommand(tray: TrayState, current: Current, path: string): Promise<void> {
  const agent = current();
  if (!agent) return;
  const answer = await net.fetch(`${agent.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' }, body: '{}' });
  const body = (await answer.json().catch(() => null)) as (TickerState & { error?: { message: string } }) | null;
  if (answer.ok && body) tray.input.ticker = body;
  else dialog.showErrorBox('AlgoDeck', body?.error?.message ?? `The agent answered HTTP ${answer.status}.`);
  tray.refresh();
}

/** A call to the embedded agent with its token: the answer's status and body (null when not JSON). */
export async function callAgent<T>(agent: { url: string; token: string }, path: string, method: 'GET' | 'POST' = 'GET', input: unknown = {}): Promise<{ ok: boolean; status: number; body: (T & { error?: { message: string } }) | null }> {
  const headers = { authorization: `Bearer ${agent.token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) };
  const answer = await net.fetch(`${agent.url}${path}`, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(input) } : {}) });
  const body = (await answer.json().catch(() => null)) as (T & { error?: { message: string } }) | null;
  return { ok: answer.ok, status: answer.status, body };
}

/**
 * Start-all or stop-all on every online agent of the fleet, through the hub (stop-all asks
 * first); a notification names the agents that refused. The tray's figures are asked again after.
 */
export async function fleetCommand(tray: TrayState, current: Current, command: FleetCommand): Promise<void> {
  const agent = current();
  if (!agent || tray.input.fleetCommand) return;
  const listed = await callAgent<{ agents: AgentWithHistory[] }>(agent, api.listAgents.path).catch(() => null);
  if (!listed?.ok || !listed.body) return dialog.showErrorBox('AlgoDeck', listed?.body?.error?.message ?? 'The agent on this computer did not answer.');
  const agents = listed.body.agents;
  tray.input.fleet = fleetSummary(agents);
  if (command === 'stop') {
    const question = stopAllQuestion(agents);
    if (!question) return tray.refresh();
    if (dialog.showMessageBoxSync({ type: 'question', buttons: ['Stop all', 'Cancel'], defaultId: 1, cancelId: 1, message: question }) !== 0) return;
  }
  tray.input.fleetCommand = command;
  tray.refresh();
  try {
    const results = await Promise.all(
      fleetCommandTargets(agents, command).map(async (target) => {
        const answer = await callAgent(agent, target.path, 'POST').catch((error: unknown) => ({ ok: false, status: 0, body: { error: { message: String(error) } } }));
        return { name: target.name, ok: answer.ok, message: answer.ok ? null : (answer.body?.error?.message ?? `HTTP ${answer.status}`) };
      }),
    );
    const notice = fleetCommandNotice(command, results);
    if (notice && Notification.isSupported()) new Notification({ title: notice.title, body: notice.body }).show();
    else if (notice) dialog.showErrorBox(notice.title, notice.body);
  } finally {
    tray.input.fleetCommand = null;
    await tray.poll();
  }
}

/** The kill switch from the tray: one confirm that names what it does; the agent's refusal is shown as it is. */
export async function killSwitch(tray: TrayState, current: Current): Promise<void> {
  const agent = current();
  if (!agent || !tray.input.risk) return;
  const open = await callAgent<{ orders: Array<{ state: string }> }>(agent, `${api.listOrders.path}?limit=1000`).catch(() => null);
  const dialogModel = killSwitchDialog(tray.input.risk, open?.body?.orders.filter((o) => ['pending', 'open', 'partially_filled'].includes(o.state)).length ?? 0, tray.input.fleet?.algosRunning ?? 0);
  const labels = dialogModel.buttons.map((button) => button.label);
  const chosen = dialogModel.buttons[dialog.showMessageBoxSync({ type: 'warning', buttons: labels, defaultId: labels.length - 1, cancelId: labels.length - 1, message: dialogModel.message, detail: dialogModel.detail })];
  if (!chosen?.body) return;
  const answer = await callAgent<KillSwitchResult>(agent, api.setKillSwitch.path, 'POST', chosen.body).catch((error: unknown) => ({ ok: false, status: 0, body: { error: { message: String(error) } } }));
  if (!answer.ok) dialog.showErrorBox('AlgoDeck', answer.body?.error?.message ?? `The agent answered HTTP ${answer.status}.`);
  await tray.poll();
}

/** One algo of this computer started, or stopped after a question naming what happens; the agent's refusal is shown as it is. */
export async function algoCommand(tray: TrayState, current: Current, action: AlgoAction): Promise<void> {
  const agent = current();
  const algo = tray.input.algos?.find((candidate) => candidate.id === action.taskId);
  // The menu ticked or unticked the item as it was clicked: redrawn from what is true when nothing happens.
  if (!agent || !algo || tray.input.algoCommands[algo.id]) return tray.refresh();
  if (action.kind === 'stop-algo' && dialog.showMessageBoxSync({ type: 'question', buttons: ['Stop', 'Cancel'], defaultId: 1, cancelId: 1, message: stopAlgoQuestion(algo) }) !== 0) return tray.refresh();
  tray.input.algoCommands = { ...tray.input.algoCommands, [algo.id]: action.kind === 'start-algo' ? 'start' : 'stop' };
  tray.refresh();
  try {
    const answer = await callAgent(agent, algoCommandPath(action), 'POST').catch((error: unknown) => ({ ok: false, status: 0, body: { error: { message: String(error) } } }));
    if (!answer.ok) dialog.showErrorBox('AlgoDeck', answer.body?.error?.message ?? `The agent answered HTTP ${answer.status}.`);
  } finally {
    const { [algo.id]: _done, ...others } = tray.input.algoCommands;
    tray.input.algoCommands = others;
    await tray.poll();
  }
}
