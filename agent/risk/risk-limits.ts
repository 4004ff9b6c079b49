/**
 * The risk limits in force, and a change to them: a field given changes, `null` removes it, a
 * field left out stays as it was; `null` for a whole algo or instrument removes all its limits.
 * Kept in the agent's settings, so they survive a restart.
 */
import type { RiskLimitsChange } from '../../shared/contract/order-schemas';
import type { RiskLimitSet } from '../../shared/risk';
import type { AgentDb } from '../store/agent-db';

const SETTING = 'risk.limits';

function patched<T extends object>(current: T | undefined, patch: Record<string, unknown>): T {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as T;
}

export function applyLimitsChange(current: RiskLimitSet, change: RiskLimitsChange): RiskLimitSet {
  const next: RiskLimitSet = { global: current.global, algos: { ...current.algos }, instruments: { ...current.instruments } };
  if (change.global) next.global = patched(current.global, change.global);
  for (const [group, target] of [['algos', next.algos], ['instruments', next.instruments]] as const) {
    for (const [name, patch] of Object.entries(change[group] ?? {})) {
      if (patch === null) delete target[name];
      else target[name] = patched(target[name], patch);
    }
  }
  return next;
}

export class LimitsStore {
  private current: RiskLimitSet;

  constructor(private readonly db: AgentDb) {
    const saved = db.setting(SETTING);
    this.current = saved ? (JSON.parse(saved) as RiskLimitSet) : { global: {}, algos: {}, instruments: {} };
  }

  get(): RiskLimitSet {
    return this.current;
  }

  change(change: RiskLimitsChange): RiskLimitSet {
    const next = applyLimitsChange(this.current, change);
    this.db.saveSettings({ [SETTING]: JSON.stringify(next) });
    this.current = next;
    return next;
  }
}
