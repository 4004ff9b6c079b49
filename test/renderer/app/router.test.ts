/** Hash routes: a path and an optional query, from whatever the location's hash holds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHash } from '../../../renderer/src/app/router';

const read = (hash: string) => {
  const { path, query } = parseHash(hash);
  return { path, query: [...query] };
};

test('paths: with or without the hash and the leading slash; empty is home', () => {
  const cases: Array<[string, string]> = [
    ['', '/'],
    ['#', '/'],
    ['#/', '/'],
    ['/', '/'],
    ['#/ticker', '/ticker'],
    ['#ticker', '/ticker'],
    ['ticker', '/ticker'],
    ['#/market/depth', '/market/depth'],
    ['#?i=NSE:INFY', '/'],
    ['#/settings/', '/settings/'],
  ];
  for (const [hash, path] of cases) assert.equal(parseHash(hash).path, path, JSON.stringify(hash));
});

test('queries: decoded, repeated keys kept, no query is an empty one', () => {
  assert.deepEqual(read('#/market?i=NSE:INFY'), { path: '/market', query: [['i', 'NSE:INFY']] });
  assert.deepEqual(read('#/market?i=NSE%3AM%26M'), { path: '/market', query: [['i', 'NSE:M&M']] }, 'an instrument with & in it, encoded');
  assert.deepEqual(read('#/market?i=NSE:INFY&i=NSE:TCS&mode=full'), { path: '/market', query: [['i', 'NSE:INFY'], ['i', 'NSE:TCS'], ['mode', 'full']] });
  assert.deepEqual(read('#/market?'), { path: '/market', query: [] });
  assert.deepEqual(read('#/market'), { path: '/market', query: [] });
  assert.deepEqual(read('#/market?q=bank+nifty'), { path: '/market', query: [['q', 'bank nifty']] });
  assert.equal(parseHash('#/market?i=NSE:INFY').query.get('i'), 'NSE:INFY');
  assert.equal(parseHash('#/market').query.get('i'), null);
});

test('a query keeps everything after its first "?"', () => {
  assert.equal(parseHash('#/market?q=what?').query.get('q'), 'what?');
  assert.equal(parseHash('#/market?a=1?b=2').query.get('a'), '1?b=2');
});
