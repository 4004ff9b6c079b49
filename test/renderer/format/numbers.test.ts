/** Numbers as Indian traders read them: en-IN grouping, tick-size decimals, signed changes, lakh and crore. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DASH, decimalsOf, directionOf, formatChange, formatCompact, formatPnl, formatPrice, formatQuantity, formatRupees, formatRupeesCompact, groupTyped, ungroupTyped } from '../../../renderer/src/format/numbers';

const notNumbers = [undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

test('prices are grouped the Indian way (lakh, crore), with the decimals asked for', () => {
  const cases: Array<[number, number | undefined, string]> = [
    [12345678.5, undefined, '1,23,45,678.50'],
    [1234567.891, undefined, '12,34,567.89'],
    [123456.5, undefined, '1,23,456.50'],
    [12345.5, undefined, '12,345.50'],
    [999.999, undefined, '1,000.00'],
    [0, undefined, '0.00'],
    [0.05, 2, '0.05'],
    [1.0025, 4, '1.0025'],
    [-1234.5, 2, '-1,234.50'],
    [-12345678.5, 2, '-1,23,45,678.50'],
    [1234.5, 0, '1,235'],
    [2500.125, 3, '2,500.125'],
    [100000000000, 2, '1,00,00,00,00,000.00'],
  ];
  for (const [value, decimals, expected] of cases) {
    assert.equal(decimals === undefined ? formatPrice(value) : formatPrice(value, decimals), expected, `formatPrice(${value}, ${decimals})`);
  }
});

test('decimalsOf: the decimals a tick size needs, at least 2, at most 6', () => {
  const cases: Array<[number | undefined, number]> = [
    [0.05, 2],
    [0.01, 2],
    [0.1, 2],
    [1, 2],
    [5, 2],
    [0.0025, 4],
    [0.0001, 4],
    [0.005, 3],
    [0.25, 2],
    [0.000001, 6],
    [1e-7, 6], // finer than six decimals: capped
    [0.00000123, 6],
    [undefined, 2],
    [0, 2],
    [-0.05, 2],
    [Number.NaN, 2],
  ];
  for (const [tickSize, expected] of cases) assert.equal(decimalsOf(tickSize), expected, `decimalsOf(${tickSize})`);
  // Sums that float arithmetic makes inexact still read as their tick size.
  assert.equal(decimalsOf(0.1 + 0.2 - 0.25), 2, '0.05 computed as 0.05000000000000002');
  assert.equal(decimalsOf(0.0025 * 3), 4, '0.0075 computed inexactly');
});

test('a price drawn with decimalsOf its tick size shows every tick', () => {
  assert.equal(formatPrice(1523.05, decimalsOf(0.05)), '1,523.05');
  assert.equal(formatPrice(83.1225, decimalsOf(0.0025)), '83.1225');
  assert.equal(formatPrice(83.12, decimalsOf(0.0025)), '83.1200');
  assert.equal(formatPrice(1523, decimalsOf(1)), '1,523.00');
});

test('changes are signed: +1.25%, -0.40%, and zero has no sign', () => {
  const cases: Array<[number, string]> = [
    [1.25, '+1.25%'],
    [-0.4, '-0.40%'],
    [0, '0.00%'],
    [-0, '0.00%'],
    [0.004, '0.00%'], // rounds to zero: no sign either way
    [-0.004, '0.00%'],
    [0.006, '+0.01%'],
    [-0.006, '-0.01%'],
    [1234.5, '+1,234.50%'],
    [-100, '-100.00%'],
  ];
  for (const [percent, expected] of cases) assert.equal(formatChange(percent), expected, `formatChange(${percent})`);
});

test('quantities are whole and grouped', () => {
  assert.equal(formatQuantity(1234567), '12,34,567');
  assert.equal(formatQuantity(1234567.5), '12,34,568');
  assert.equal(formatQuantity(0), '0');
  assert.equal(formatQuantity(-2500), '-2,500');
});

test('compact figures: grouped below a lakh, then L, then Cr, negatives alike', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [12345, '12,345'],
    [99999.4, '99,999'],
    [100000, '1.00 L'],
    [123456, '1.23 L'],
    [9999000, '99.99 L'],
    [10000000, '1.00 Cr'],
    [12345678, '1.23 Cr'],
    [45600000, '4.56 Cr'],
    [123456789012, '12,345.68 Cr'],
    [-12345, '-12,345'],
    [-123456, '-1.23 L'],
    [-45600000, '-4.56 Cr'],
  ];
  for (const [value, expected] of cases) assert.equal(formatCompact(value), expected, `formatCompact(${value})`);
});

test('rupees: the sign before the symbol, grouped', () => {
  assert.equal(formatRupees(1234567.891), '₹12,34,567.89');
  assert.equal(formatRupees(-1234.5), '-₹1,234.50');
  assert.equal(formatRupees(0), '₹0.00');
  assert.equal(formatRupees(-0), '₹0.00');
  assert.equal(formatRupees(-12345678.9, 0), '-₹1,23,45,679');
  assert.equal(formatRupees(5, 4), '₹5.0000');
});

test('P&L is always signed, the sign before the symbol; nothing (or float noise) has no sign', () => {
  const cases: Array<[number, string]> = [
    [1234.5, '+₹1,234.50'],
    [-80, '-₹80.00'],
    [0, '₹0.00'],
    [-0, '₹0.00'],
    [-0.004, '₹0.00'],
    [0.004, '₹0.00'],
    [0.005, '+₹0.01'],
    [12345678.9, '+₹1,23,45,678.90'],
    [-100000, '-₹1,00,000.00'],
  ];
  for (const [value, expected] of cases) assert.equal(formatPnl(value), expected, `formatPnl(${value})`);
  assert.equal(formatPnl(-1234.56, 0), '-₹1,235');
});

test('compact rupees: grouped below a lakh, then L and Cr; a plus only when asked and above zero', () => {
  const cases: Array<[number, boolean, string]> = [
    [12345.4, false, '₹12,345'],
    [12345.4, true, '+₹12,345'],
    [-12345.4, true, '-₹12,345'],
    [123456, false, '₹1.23 L'],
    [-45600000, true, '-₹4.56 Cr'],
    [0, true, '₹0'],
    [0.2, true, '₹0'],
    [-0.2, true, '₹0'],
  ];
  for (const [value, signed, expected] of cases) assert.equal(formatRupeesCompact(value, signed), expected, `formatRupeesCompact(${value}, ${signed})`);
});

test('a number field groups what is typed the Indian way, and reads back without the commas', () => {
  const cases: Array<[string | number | undefined, string]> = [
    ['500000', '5,00,000'],
    [500000, '5,00,000'],
    ['1234.5', '1,234.5'],
    ['12.', '12.'],
    ['-', '-'],
    ['-1234567', '-12,34,567'],
    ['999', '999'],
    ['', ''],
    [undefined, ''],
    ['0.05', '0.05'],
  ];
  for (const [typed, shown] of cases) {
    assert.equal(groupTyped(typed), shown, `groupTyped(${JSON.stringify(typed)})`);
    assert.equal(ungroupTyped(shown), typed === undefined ? '' : String(typed), `ungroupTyped(${shown})`);
  }
});

test('no number, not a number and infinities are a dash in every formatter', () => {
  for (const value of notNumbers) {
    assert.equal(formatPrice(value), DASH, `formatPrice(${value})`);
    assert.equal(formatPrice(value, 4), DASH);
    assert.equal(formatChange(value), DASH, `formatChange(${value})`);
    assert.equal(formatQuantity(value), DASH, `formatQuantity(${value})`);
    assert.equal(formatCompact(value), DASH, `formatCompact(${value})`);
    assert.equal(formatRupees(value), DASH, `formatRupees(${value})`);
    assert.equal(formatPnl(value), DASH, `formatPnl(${value})`);
    assert.equal(formatRupeesCompact(value, true), DASH, `formatRupeesCompact(${value})`);
    assert.equal(directionOf(value), 'flat');
  }
  assert.equal(DASH, '—');
});

test('direction of a change', () => {
  assert.equal(directionOf(0.01), 'up');
  assert.equal(directionOf(-0.01), 'down');
  assert.equal(directionOf(0), 'flat');
  assert.equal(directionOf(-0), 'flat');
});

test('a tiny negative that rounds to zero is shown without a minus sign', () => {
  assert.equal(formatRupees(-0.001), '₹0.00');
  assert.equal(formatRupees(0.1 - 0.2 + 0.1 - 1e-12), '₹0.00');
  assert.equal(formatQuantity(-0.4), '0');
  assert.equal(formatCompact(-0.4), '0');
  assert.equal(formatPrice(-0.001), '0.00');
});

test('a figure that rounds up to the next unit is shown in that unit', () => {
  assert.equal(formatCompact(99999.6), '1.00 L');
  assert.equal(formatCompact(9999999), '1.00 Cr');
  assert.equal(formatCompact(9999999.999), '1.00 Cr');
  assert.equal(formatCompact(-9999999.999), '-1.00 Cr');
});

test('the hand-written grouping and rounding read exactly as Intl.NumberFormat en-IN does', () => {
  const intl = new Map<string, Intl.NumberFormat>();
  const reference = (value: number, decimals: number, signDisplay: 'negative' | 'exceptZero') => {
    const key = `${decimals}:${signDisplay}`;
    if (!intl.has(key)) intl.set(key, new Intl.NumberFormat('en-IN', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, signDisplay }));
    return intl.get(key)!.format(value);
  };
  // A seeded walk over magnitudes from 1e-7 to 1e15, with ties and float noise near them.
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const values: number[] = [0, -0, 0.5, 1.005, 2.675, 1.45, -1.005, 999.995, 99_999.995, 9_999_999.5, 0.000_000_5, 123_456_789_012.345];
  for (let i = 0; i < 4_000; i++) {
    const magnitude = 10 ** Math.floor(random() * 22 - 7);
    const value = (random() - 0.3) * magnitude;
    values.push(value, Math.round(value * 100) / 100 + 0.005, Number((value + 0.5).toFixed(1)));
  }
  for (const value of values) {
    for (const decimals of [0, 2, 3, 4, 6]) {
      assert.equal(formatPrice(value, decimals), reference(value, decimals, 'negative'), `formatPrice(${value}, ${decimals})`);
    }
    assert.equal(formatChange(value), `${reference(value, 2, 'exceptZero')}%`, `formatChange(${value})`);
  }
});
