/**
 * The tray's "Algos on this computer" submenu as plain data: each task of the embedded agent
 * (the hub's own) as a checkbox, checked while it runs or is meant to (starting, waiting to
 * restart); clicking a stopped one starts it, a running one stops it after a question naming
 * what happens. The shell binds the actions and asks the questions (`main.ts`).
 */
import type { RiskSummary } from '../shared/risk';
import type { TaskInfo } from '../shared/task';
import { api } from '../shared/contract/api';
import type { TrayItem } from './tray-model';

/** One algo of this computer, as the tray needs it. */
export interface TrayAlgo {
  id: string;
  name: string;
  state: TaskInfo['state'];
  stopTimeoutSeconds: number;
  /** Its open positions by the risk manager (they stay open when it stops). */
  openPositions: number;
}

/** Start or stop one algo of this computer (its task id). */
export interface AlgoAction {
  kind: 'start-algo' | 'stop-algo';
  taskId: string;
}

export type AlgoCommand = 'start' | 'stop';

/** The tray's algos from `GET /api/v1/tasks` of the embedded agent and its risk summary (for open positions), by name. */
export function trayAlgos(tasks: readonly Pick<TaskInfo, 'id' | 'name' | 'state' | 'stopTimeoutSeconds'>[], risk: Pick<RiskSummary, 'algos'> | null): TrayAlgo[] {
  return tasks
    .map((task) => ({ id: task.id, name: task.name, state: task.state, stopTimeoutSeconds: task.stopTimeoutSeconds, openPositions: risk?.algos[task.name]?.openPositions ?? 0 }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const LIVE: ReadonlySet<TaskInfo['state']> = new Set(['running', 'starting', 'waiting']);

const NOTE: Partial<Record<TaskInfo['state'], string>> = { errored: ' — errored', waiting: ' — restarting', starting: ' — starting…', stopping: ' — stopping…' };

/**
 * The submenu's items: one per algo; a command under way disables its algo and says so. Null
 * (the agent not answering) is one disabled line, and so is an empty list.
 */
export function algosSubmenu(algos: readonly TrayAlgo[] | null, commands: Readonly<Record<string, AlgoCommand>>): TrayItem[] {
  if (algos === null) return [{ type: 'normal', label: 'Algos unknown: the agent is not answering', enabled: false }];
  if (algos.length === 0) return [{ type: 'normal', label: 'No algos on this computer', enabled: false }];
  return algos.map((algo) => {
    const command = commands[algo.id];
    const live = LIVE.has(algo.state);
    const note = command === 'start' ? ' — starting…' : command === 'stop' ? ' — stopping…' : (NOTE[algo.state] ?? '');
    return {
      type: 'checkbox',
      label: `${algo.name}${note}`,
      checked: command === undefined ? live : command === 'start',
      enabled: command === undefined && algo.state !== 'stopping',
      action: { kind: live ? 'stop-algo' : 'start-algo', taskId: algo.id },
    };
  });
}

/** "Algos on this computer (2 of 4 running)". */
export function algosSubmenuLabel(algos: readonly TrayAlgo[] | null): string {
  if (!algos || algos.length === 0) return 'Algos on this computer';
  const running = algos.filter((algo) => algo.state === 'running').length;
  return `Algos on this computer (${running.toLocaleString('en-IN')} of ${algos.length.toLocaleString('en-IN')} running)`;
}

/** The question before stopping one algo from the tray, naming what happens. */
export function stopAlgoQuestion(algo: TrayAlgo): string {
  const held = algo.openPositions === 0 ? '' : ` Its ${algo.openPositions.toLocaleString('en-IN')} open position${algo.openPositions === 1 ? ' stays' : 's stay'} open.`;
  return `Stop ${algo.name} on this computer? It is given ${algo.stopTimeoutSeconds} s to end and stays stopped until started again.${held}`;
}

/** The embedded agent's route for the action (`POST /api/v1/tasks/<id>/start`). */
export function algoCommandPath(action: AlgoAction): string {
  const path = action.kind === 'start-algo' ? api.startTask.path : api.stopTask.path;
  return path.replace(':id', encodeURIComponent(action.taskId));
}
