import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstrumentRegistry } from '../../../agent/instruments/instrument-registry';
import type { Instrument } from '../../../shared/instrument';
import { infy } from '../../helpers/instruments';

const at = (exchange: string, tradingsymbol: string, token: number, name = tradingsymbol): Instrument => ({
  ...infy(),
  id: `${exchange}:${tradingsymbol}`,
  exchange,
  tradingsymbol,
  token,
  name,
});

test('search: exact symbols first (wherever they are listed), then symbol prefixes, then any match, each in list order', () => {
  const prefixes = Array.from({ length: 30 }, (_, i) => at('NFO', `INFY26JAN${1000 + i}CE`, 1000 + i));
  const registry = new InstrumentRegistry([
    ...prefixes,
    at('NSE', 'TCS', 2, 'TATA CONSULTANCY'),
    at('BSE', 'XYZ', 3, 'SERVES INFY CLIENTS'),
    at('NSE', 'INFY', 4, 'INFOSYS'),
  ]);
  const found = registry.search('infy', 20).map((i) => i.id);
  assert.equal(found[0], 'NSE:INFY', 'the exact symbol, though listed last');
  assert.deepEqual(found.slice(1), prefixes.slice(0, 19).map((i) => i.id));
  assert.deepEqual(registry.search('  infy ', 40).map((i) => i.id).slice(-1), ['BSE:XYZ'], 'a name match comes after every prefix match');
  assert.deepEqual(registry.search('nse:tcs', 5).map((i) => i.id), ['NSE:TCS'], 'an exact id counts as exact');
  assert.deepEqual(registry.search('', 2).map((i) => i.id), prefixes.slice(0, 2).map((i) => i.id), 'no query: the list in order');
  assert.deepEqual(registry.search('nothing like it', 5), []);
});

test('a new list replaces the old whole; a duplicate refuses it and changes nothing', () => {
  const registry = new InstrumentRegistry([at('NSE', 'INFY', 1)]);
  registry.replace([at('NSE', 'TCS', 2)]);
  assert.deepEqual(registry.search('', 5).map((i) => i.id), ['NSE:TCS']);
  assert.equal(registry.get('NSE:INFY'), undefined);
  assert.throws(() => registry.replace([at('NSE', 'A', 3), at('NSE', 'B', 3)]), /token 3 is listed twice/);
  assert.deepEqual(registry.search('', 5).map((i) => i.id), ['NSE:TCS'], 'unchanged');
  assert.equal(registry.byTokenOf(2)?.id, 'NSE:TCS');
});
