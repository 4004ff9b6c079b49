/** The limits editor's arithmetic: the partial change an edit makes, its body, and which field an error of the agent names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALGO_LIMITS, changeOf, fieldInScope, GLOBAL_LIMITS, INSTRUMENT_LIMITS, limitNames, limitsPatch, type LimitScope } from '../../../renderer/src/stores/risk-limits';
import { setRiskLimitsInput } from '../../../shared/contract/order-schemas';

const global: LimitScope = { kind: 'global' };
const algo = (name: string): LimitScope => ({ kind: 'algo', name });
const instrument = (id: string): LimitScope => ({ kind: 'instrument', id });

test('each set takes the limits the contract gives it', () => {
  const shape = setRiskLimitsInput.shape;
  const keysOf = (schema: unknown) => Object.keys((schema as { unwrap(): { shape: object } }).unwrap().shape).sort();
  assert.deepEqual([...GLOBAL_LIMITS].sort(), keysOf(shape.global));
  assert.deepEqual([...ALGO_LIMITS].sort(), Object.keys((shape.algos.unwrap().valueType.unwrap() as unknown as { shape: object }).shape).sort());
  assert.deepEqual([...INSTRUMENT_LIMITS].sort(), Object.keys((shape.instruments.unwrap().valueType.unwrap() as unknown as { shape: object }).shape).sort());
  assert.equal(limitNames(global), GLOBAL_LIMITS);
  assert.equal(limitNames(algo('ma')), ALGO_LIMITS);
  assert.equal(limitNames(instrument('NSE:INFY')), INSTRUMENT_LIMITS);
});

test('an edit sends only what changed: a new value as it is, an emptied limit as null, the rest left out', () => {
  const before = { maxRisk: 10_000, maxOrderQuantity: 50, onBreach: 'REDUCING', allow: ['NSE:INFY'] };
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['nothing touched', { ...before }, {}],
    ['a value changed', { ...before, maxRisk: 12_500 }, { maxRisk: 12_500 }],
    ['a limit emptied (null)', { ...before, maxOrderQuantity: null }, { maxOrderQuantity: null }],
    ['a limit emptied (undefined)', { ...before, maxOrderQuantity: undefined }, { maxOrderQuantity: null }],
    ['a limit added', { ...before, maxDrawdown: 2_500 }, { maxDrawdown: 2_500 }],
    ['an empty field that was empty', { ...before, maxDailyLoss: null }, {}],
    ['zero is a value, not empty', { ...before, maxRisk: 0 }, { maxRisk: 0 }],
    ['a list emptied', { ...before, allow: [] }, { allow: null }],
    ['a list reordered is a change', { ...before, allow: ['NSE:TCS', 'NSE:INFY'] }, { allow: ['NSE:TCS', 'NSE:INFY'] }],
    ['the same list is none', { ...before, allow: ['NSE:INFY'] }, {}],
    ['a choice cleared', { ...before, onBreach: undefined }, { onBreach: null }],
    ['a trading window set', { ...before, tradingWindow: { from: '09:20', to: '15:10' } }, { tradingWindow: { from: '09:20', to: '15:10' } }],
    ['a trading window left empty', { ...before, tradingWindow: { from: '', to: '' } }, {}],
    ['a half-typed window is sent, for the agent to judge', { ...before, tradingWindow: { from: '09:20', to: '' } }, { tradingWindow: { from: '09:20', to: '' } }],
  ];
  for (const [what, edited, patch] of cases) assert.deepEqual(limitsPatch(global, before, edited), patch, what);
  const windowed = { tradingWindow: { from: '09:20', to: '15:10' } };
  assert.deepEqual(limitsPatch(algo('ma'), windowed, { tradingWindow: { from: '09:20', to: '15:10' } }), {}, 'the same window, a new object: no change');
  assert.deepEqual(limitsPatch(algo('ma'), windowed, { tradingWindow: { from: '09:30', to: '15:10' } }), { tradingWindow: { from: '09:30', to: '15:10' } });
  assert.deepEqual(limitsPatch(algo('ma'), windowed, { tradingWindow: { from: '', to: '' } }), { tradingWindow: null }, 'emptied: removed');
  // A set's own limits only: a field the instrument set does not take is never sent for it.
  assert.deepEqual(limitsPatch(instrument('NSE:INFY'), {}, { maxRisk: 5, maxDrawdown: 9 }), { maxRisk: 5 });
});

test('the body names the one set changed, and the contract accepts it', () => {
  const cases: Array<[LimitScope, Record<string, unknown> | null, unknown]> = [
    [global, { maxRisk: 1e5, allow: null }, { global: { maxRisk: 1e5, allow: null } }],
    [global, { tradingWindow: { from: '09:20', to: '15:10' } }, { global: { tradingWindow: { from: '09:20', to: '15:10' } } }],
    [algo('ma.v2'), { maxOrderQuantity: null }, { algos: { 'ma.v2': { maxOrderQuantity: null } } }],
    [algo('ma'), null, { algos: { ma: null } }],
    [instrument('NSE:NIFTY 50'), { maxRisk: 500 }, { instruments: { 'NSE:NIFTY 50': { maxRisk: 500 } } }],
    [instrument('NSE:INFY'), null, { instruments: { 'NSE:INFY': null } }],
  ];
  for (const [scope, patch, body] of cases) {
    const change = changeOf(scope, patch as never);
    assert.deepEqual(change, body);
    assert.equal(setRiskLimitsInput.safeParse(change).success, true, JSON.stringify(change));
  }
});

test('an error of the agent goes on the field it names, in the set it names, and nowhere else', () => {
  const cases: Array<[string | undefined, LimitScope, string | null]> = [
    ['global.maxRisk', global, 'maxRisk'],
    ['global.allow.3', global, 'allow'],
    ['global', global, ''],
    ['algos.ma.maxRisk', algo('ma'), 'maxRisk'],
    ['algos.ma.tradingWindow.to', algo('ma'), 'tradingWindow'],
    ['algos.ma', algo('ma'), ''],
    // An algo whose name has dots, and algos whose names start alike.
    ['algos.ma.v2.maxDrawdown', algo('ma.v2'), 'maxDrawdown'],
    ['algos.ma.v2.maxDrawdown', algo('ma'), null],
    ['algos.ma2.maxRisk', algo('ma'), null],
    ['algos.m.maxRisk', algo('ma'), null],
    ['instruments.NSE:NIFTY 50.maxRisk', instrument('NSE:NIFTY 50'), 'maxRisk'],
    ['instruments.NOT AN ID', instrument('NOT AN ID'), ''],
    ['instruments.NSE:INFY.maxDrawdown', instrument('NSE:INFY'), null],
    ['global.maxRisk', algo('global'), null],
    ['algos.ma.maxRisk', global, null],
    ['maxRisk', global, null],
    ['', global, null],
    [undefined, global, null],
    ['global.__proto__', global, null],
    ['global.constructor', global, null],
  ];
  for (const [field, scope, expected] of cases) assert.equal(fieldInScope(field, scope), expected, `${field} in ${JSON.stringify(scope)}`);
});
