/**
 * The limits editor's arithmetic: which limits a set takes (global, an algo's, an instrument's),
 * the partial change an edit makes (a field changed is sent, a field emptied is sent as null so
 * the agent removes it, one untouched is left out), and which field of the form an error of the
 * agent names (`algos.ma.maxRisk` → `maxRisk` of the algo "ma").
 */
import type { LimitsChange } from './risk-store';

export const ALGO_LIMITS = ['maxOrderValue', 'maxOrderQuantity', 'maxRiskPerTrade', 'maxRisk', 'maxOpenPositions', 'maxOrdersPerSecond', 'maxOrdersPerMinute', 'maxDailyLoss', 'maxDrawdown', 'onBreach', 'tradingWindow'] as const;
export const GLOBAL_LIMITS = [...ALGO_LIMITS, 'fallbackRiskFraction', 'allow', 'deny'] as const;
export const INSTRUMENT_LIMITS = ['maxOrderValue', 'maxOrderQuantity', 'maxRisk'] as const;
export type LimitName = (typeof GLOBAL_LIMITS)[number];

/** The set of limits an edit is about. */
export type LimitScope = { kind: 'global' } | { kind: 'algo'; name: string } | { kind: 'instrument'; id: string };

export function limitNames(scope: LimitScope): readonly LimitName[] {
  return scope.kind === 'global' ? GLOBAL_LIMITS : scope.kind === 'algo' ? ALGO_LIMITS : INSTRUMENT_LIMITS;
}

/** A limit's value as the form holds it: a number, a choice, instruments, a trading window; nothing for no limit. */
export type LimitValue = number | string | string[] | { from?: string; to?: string } | null | undefined;
type Value = LimitValue;
const absent = (value: Value): boolean =>
  value === null ||
  value === undefined ||
  value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && !Array.isArray(value) && !value.from && !value.to);
function same(a: Value, b: Value): boolean {
  if (absent(a) || absent(b)) return absent(a) && absent(b);
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i]);
  if (typeof a === 'object' || typeof b === 'object') {
    const [x, y] = [a as { from?: string; to?: string }, b as { from?: string; to?: string }];
    return typeof a === 'object' && typeof b === 'object' && x.from === y.from && x.to === y.to;
  }
  return a === b;
}

/** Only what the edit changed: a new value, or null for a limit emptied. */
export function limitsPatch(scope: LimitScope, before: Partial<Record<LimitName, Value>>, edited: Partial<Record<LimitName, Value>>): Partial<Record<LimitName, Value>> {
  const patch: Partial<Record<LimitName, Value>> = {};
  for (const name of limitNames(scope)) {
    if (!(name in edited)) continue;
    const next = edited[name];
    if (same(before[name], next)) continue;
    patch[name] = absent(next) ? null : next;
  }
  return patch;
}

/** The body of `PUT /api/v1/risk/limits` for a patch of one set (`null`: remove every limit of the algo or instrument). */
export function changeOf(scope: LimitScope, patch: Partial<Record<LimitName, Value>> | null): LimitsChange {
  if (scope.kind === 'global') return { global: (patch ?? {}) as LimitsChange['global'] };
  if (scope.kind === 'algo') return { algos: { [scope.name]: patch as NonNullable<LimitsChange['algos']>[string] } };
  return { instruments: { [scope.id]: patch as NonNullable<LimitsChange['instruments']>[string] } };
}

/**
 * The form field an error's `field` names within `scope`: a limit's name, `''` when it names the
 * set itself (a bad algo name or instrument id), or null when it is about something else (shown
 * above the form, never on a field it is not about).
 */
export function fieldInScope(field: string | undefined, scope: LimitScope): LimitName | '' | null {
  if (field === undefined) return null;
  const base = scope.kind === 'global' ? 'global' : scope.kind === 'algo' ? `algos.${scope.name}` : `instruments.${scope.id}`;
  if (field === base) return '';
  if (!field.startsWith(`${base}.`)) return null;
  const name = field.slice(base.length + 1).split('.')[0]!;
  return (limitNames(scope) as readonly string[]).includes(name) ? (name as LimitName) : null;
}
