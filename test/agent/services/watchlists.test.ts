import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_WATCHLISTS } from '../../../agent/watchlists/watchlist-store';
import { startTestAgent, type TestAgent } from '../../helpers/test-agent';

let t: TestAgent;
before(async () => {
  t = await startTestAgent({ workers: 1 });
});
after(() => t.stop());

const body = (value: unknown) => ({ body: JSON.stringify(value) });

test('watchlists: create, rename, reorder instruments, delete; kept across a restart', async () => {
  assert.deepEqual(await t.api.call('listWatchlists'), { watchlists: [] }, 'no first-run watchlist when it is turned off');
  const banks = await t.api.call('createWatchlist', { name: 'Banks', instruments: ['NSE:HDFCBANK', 'NSE:ICICIBANK'] });
  assert.deepEqual(banks.instruments, ['NSE:HDFCBANK', 'NSE:ICICIBANK']);
  const empty = await t.api.call('createWatchlist', { name: '  Later  ' });
  assert.equal(empty.name, 'Later', 'names are trimmed');
  assert.deepEqual(empty.instruments, []);
  const moved = await t.api.call('updateWatchlist', { id: banks.id, instruments: ['NSE:SBIN', 'NSE:ICICIBANK', 'NSE:HDFCBANK'] });
  assert.deepEqual(moved.instruments, ['NSE:SBIN', 'NSE:ICICIBANK', 'NSE:HDFCBANK'], 'the order given is kept');
  const renamed = await t.api.call('updateWatchlist', { id: banks.id, name: 'PSU and private banks' });
  assert.deepEqual(renamed.instruments, moved.instruments, 'a rename keeps the instruments');
  assert.deepEqual((await t.api.call('listWatchlists')).watchlists.map((w) => w.name), ['PSU and private banks', 'Later']);
  assert.deepEqual(await t.api.call('deleteWatchlist', { id: empty.id }), { deleted: empty.id });
  assert.deepEqual((await t.api.call('listWatchlists')).watchlists.map((w) => w.id), [banks.id]);
});

test('bad watchlists are refused with the field at fault, and nothing changes', async () => {
  const before = await t.api.call('listWatchlists');
  const cases: Array<[string, string, unknown, number, string, string]> = [
    ['POST', '/api/v1/watchlists', { name: '' }, 400, 'invalid_request', 'name'],
    ['POST', '/api/v1/watchlists', { name: 'x'.repeat(41) }, 400, 'invalid_request', 'name'],
    ['POST', '/api/v1/watchlists', { name: 'tab\there' }, 400, 'invalid_request', 'name'],
    ['POST', '/api/v1/watchlists', { name: 'psu AND PRIVATE banks' }, 409, 'conflict', 'name'],
    ['POST', '/api/v1/watchlists', { name: 'Dup', instruments: ['NSE:INFY', 'NSE:INFY'] }, 400, 'invalid_request', 'instruments'],
    ['POST', '/api/v1/watchlists', { name: 'Unknown', instruments: ['NSE:NOPE'] }, 400, 'unknown_instrument', 'instruments'],
    ['POST', '/api/v1/watchlists', { name: 'Extra', color: 'red' }, 400, 'invalid_request', 'color'],
    ['PUT', '/api/v1/watchlists/999', { name: 'Ghost' }, 404, 'not_found', 'id'],
    ['PUT', '/api/v1/watchlists/abc', { name: 'Ghost' }, 400, 'invalid_request', 'id'],
    ['PUT', `/api/v1/watchlists/${before.watchlists[0]!.id}`, {}, 400, 'invalid_request', 'name'],
    ['DELETE', '/api/v1/watchlists/999', undefined, 404, 'not_found', 'id'],
  ];
  for (const [method, path, value, status, code, field] of cases) {
    const answer = await t.request(method, path, value === undefined ? {} : body(value));
    assert.equal(answer.status, status, `${method} ${path} ${JSON.stringify(value)}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error.code, code);
    assert.equal(answer.body.error.field, field, `${method} ${path} ${JSON.stringify(value)}`);
  }
  assert.deepEqual(await t.api.call('listWatchlists'), before);
});

test(`an agent keeps at most ${MAX_WATCHLISTS} watchlists`, async () => {
  const have = (await t.api.call('listWatchlists')).watchlists.length;
  for (let i = have; i < MAX_WATCHLISTS; i++) await t.api.call('createWatchlist', { name: `List ${i}` });
  const refused = await t.request('POST', '/api/v1/watchlists', body({ name: 'One too many' }));
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'capacity_exceeded');
});
