/** The market watch's store against a real agent: the lists, the open one, the selection, and the name rules checked as the user types. */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { activeList, createWatchlistStore, nameProblem, NUMBERED_WATCHLISTS } from '../../../renderer/src/stores/watchlist-store';
import { type TestAgent, waitFor } from '../../helpers/test-agent';
import { shareAgent } from '../helpers/agent-socket';

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 1 }, (shared) => ({ agent, connection } = shared));
/** Every test starts with no watchlists on the agent. */
beforeEach(async () => {
  for (const list of (await agent.api.call('listWatchlists')).watchlists) await agent.api.call('deleteWatchlist', { id: list.id });
});

const names = (lists: Array<{ name: string }>) => lists.map((list) => list.name);

test('load, create, rename, remove: the store follows the agent', async () => {
  const store = createWatchlistStore(connection);
  assert.equal(store.getState().loaded, false);
  await store.getState().load();
  assert.deepEqual(store.getState().lists, []);
  assert.equal(store.getState().loaded, true);
  assert.equal(store.getState().activeId, null);
  assert.equal(activeList(store.getState()), undefined);

  const banks = await store.getState().create('Banks');
  assert.equal(banks.name, 'Banks');
  assert.deepEqual(banks.instruments, []);
  assert.equal(store.getState().activeId, banks.id, 'a new list opens');
  const it = await store.getState().create('  IT  ');
  assert.equal(it.name, 'IT', 'the agent trims');
  assert.equal(store.getState().activeId, it.id);
  const energy = await store.getState().create('Energy');
  assert.deepEqual(names(store.getState().lists), ['Banks', 'IT', 'Energy']);

  const renamed = await store.getState().rename(banks.id, 'PSU banks');
  assert.equal(renamed.name, 'PSU banks');
  assert.deepEqual(names(store.getState().lists), ['PSU banks', 'IT', 'Energy'], 'renamed in place');
  assert.equal(store.getState().activeId, energy.id, 'a rename does not change the open list');

  // What the store holds is what the agent has.
  assert.deepEqual((await agent.api.call('listWatchlists')).watchlists, store.getState().lists);

  await store.getState().remove(it.id);
  assert.deepEqual(names(store.getState().lists), ['PSU banks', 'Energy']);
  assert.equal(store.getState().activeId, energy.id, 'removing another list keeps the open one');
  await store.getState().remove(energy.id);
  assert.equal(store.getState().activeId, banks.id, 'removing the open list opens the first');
  await store.getState().remove(banks.id);
  assert.equal(store.getState().activeId, null);
  assert.deepEqual(store.getState().lists, []);
  assert.deepEqual((await agent.api.call('listWatchlists')).watchlists, []);
});

test('load keeps the open list when it still exists, else opens the first; it learns every listed instrument', async () => {
  const a = await agent.api.call('createWatchlist', { name: 'A', instruments: ['NSE:INFY', 'NSE:TCS'] });
  const b = await agent.api.call('createWatchlist', { name: 'B', instruments: ['NSE:TCS', 'NSE:SBIN'] });
  const store = createWatchlistStore(connection);
  await store.getState().load();
  assert.equal(store.getState().activeId, a.id);
  assert.deepEqual(Object.keys(store.getState().instruments).sort(), ['NSE:INFY', 'NSE:SBIN', 'NSE:TCS']);
  const infy = store.getState().instruments['NSE:INFY']!;
  const listed = (await agent.api.call('listInstruments', { search: 'INFY' })).instruments.find((i) => i.id === 'NSE:INFY')!;
  assert.deepEqual(infy, listed, 'as the instruments master lists it');

  store.getState().open(b.id);
  await store.getState().load();
  assert.equal(store.getState().activeId, b.id, 'still open after a reload');
  await agent.api.call('deleteWatchlist', { id: b.id });
  await store.getState().load();
  assert.equal(store.getState().activeId, a.id, 'gone: the first opens');
  // An open id that names no list falls back to the first for actions.
  store.getState().open(9_999);
  assert.equal(activeList(store.getState())?.id, a.id);
});

test('add and removeInstrument change the open list; refusals change nothing', async () => {
  const store = createWatchlistStore(connection);
  await store.getState().load();
  await assert.rejects(store.getState().add('NSE:INFY'), /Create a watchlist first/);

  const list = await store.getState().create('Swing');
  await store.getState().add('NSE:INFY');
  await store.getState().add('NSE:TCS');
  const same = await store.getState().add('NSE:INFY');
  assert.deepEqual(same.instruments, ['NSE:INFY', 'NSE:TCS'], 'added twice is listed once');
  assert.deepEqual(activeList(store.getState())!.instruments, ['NSE:INFY', 'NSE:TCS']);
  await waitFor('the added instruments to be learned', () => store.getState().instruments['NSE:TCS']?.tickSize);

  const before = store.getState().lists;
  const raw = await agent.request('PUT', `/api/v1/watchlists/${list.id}`, { body: JSON.stringify({ instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:NOPE'] }) });
  await assert.rejects(store.getState().add('NSE:NOPE'), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'unknown_instrument');
    assert.equal(error.message, raw.body.error.message);
    return true;
  });
  assert.equal(store.getState().lists, before, 'a refused add changes nothing');

  store.getState().select('NSE:TCS');
  await store.getState().removeInstrument('NSE:TCS');
  assert.deepEqual(activeList(store.getState())!.instruments, ['NSE:INFY']);
  assert.equal(store.getState().selected, null, 'the removed instrument is no longer selected');
  store.getState().select('NSE:INFY');
  await store.getState().removeInstrument('NSE:WIPRO');
  assert.equal(store.getState().selected, 'NSE:INFY', 'removing another keeps the selection');
  assert.deepEqual((await agent.api.call('listWatchlists')).watchlists[0]!.instruments, ['NSE:INFY']);

  // A duplicate name is refused by the agent, and the store keeps what it had.
  const lists = store.getState().lists;
  await assert.rejects(store.getState().create('SWING'), (error: unknown) => error instanceof ApiError && error.code === 'conflict');
  await assert.rejects(store.getState().rename(list.id, 'x'.repeat(41)), (error: unknown) => error instanceof ApiError && error.code === 'invalid_request' && error.field === 'name');
  assert.equal(store.getState().lists, lists);
});

test('openNumber opens the n-th list if there is one', async () => {
  const store = createWatchlistStore(connection);
  for (const name of ['One', 'Two', 'Three']) await agent.api.call('createWatchlist', { name });
  await store.getState().load();
  const ids = store.getState().lists.map((list) => list.id);
  store.getState().openNumber(3);
  assert.equal(store.getState().activeId, ids[2]);
  store.getState().openNumber(1);
  assert.equal(store.getState().activeId, ids[0]);
  for (const n of [0, -1, 4, NUMBERED_WATCHLISTS, 1.5, Number.NaN]) {
    store.getState().openNumber(n);
    assert.equal(store.getState().activeId, ids[0], `openNumber(${n}) changes nothing`);
  }
  store.getState().openNumber(2);
  assert.equal(store.getState().activeId, ids[1]);
});

test('step moves the selection through the open list and stops at the ends', async () => {
  const store = createWatchlistStore(connection);
  await store.getState().load();
  store.getState().step(1);
  assert.equal(store.getState().selected, null, 'no list: nothing to select');
  await store.getState().create('Empty');
  store.getState().step(1);
  assert.equal(store.getState().selected, null, 'an empty list: nothing to select');

  await agent.api.call('createWatchlist', { name: 'Three', instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:SBIN'] });
  await store.getState().load();
  store.getState().openNumber(2);
  const step = (by: number) => {
    store.getState().step(by);
    return store.getState().selected;
  };
  assert.equal(step(1), 'NSE:INFY', 'down from nothing: the first');
  assert.equal(step(1), 'NSE:TCS');
  assert.equal(step(1), 'NSE:SBIN');
  assert.equal(step(1), 'NSE:SBIN', 'stops at the bottom');
  assert.equal(step(-1), 'NSE:TCS');
  assert.equal(step(-1), 'NSE:INFY');
  assert.equal(step(-1), 'NSE:INFY', 'stops at the top');
  assert.equal(step(10), 'NSE:SBIN', 'a big step lands on the end');
  assert.equal(step(-10), 'NSE:INFY');
  store.getState().select(null);
  assert.equal(step(-1), 'NSE:SBIN', 'up from nothing: the last');
  store.getState().select('NSE:WIPRO'); // selected elsewhere (a search), not in this list
  assert.equal(step(1), 'NSE:INFY');
  store.getState().select('NSE:WIPRO');
  assert.equal(step(-1), 'NSE:SBIN');
});

test('nameProblem: the agent\'s rules as the user types', () => {
  const lists = [
    { id: 1, name: 'Banks' },
    { id: 2, name: 'F&O' },
  ];
  assert.equal(nameProblem('', lists, null), 'Give the watchlist a name.');
  assert.equal(nameProblem('x'.repeat(41), lists, null), 'At most 40 characters.');
  assert.equal(nameProblem('x'.repeat(40), lists, null), null);
  assert.equal(nameProblem('Swing', lists, null), null);
  for (const name of ['Banks', 'banks', 'BANKS', 'bAnKs', 'f&o']) {
    assert.equal(nameProblem(name, lists, null), `A watchlist is already called “${name}”.`, name);
  }
  assert.equal(nameProblem('banks', lists, 1), null, 'renaming a list to itself in another case');
  assert.equal(nameProblem('banks', lists, 2), 'A watchlist is already called “banks”.', 'but not to another list\'s name');
  assert.equal(nameProblem('Banks 2', lists, null), null);
  assert.equal(nameProblem('Bank', lists, null), null);
  assert.equal(nameProblem('Swing', [], null), null);
});

test('nameProblem agrees with the agent on names it refuses', async () => {
  for (const name of ['tab\there', 'bell\u0007']) {
    const refused = await agent.request('POST', '/api/v1/watchlists', { body: JSON.stringify({ name }) });
    assert.equal(refused.status, 400, JSON.stringify(name));
    assert.notEqual(nameProblem(name, [], null), null, `${JSON.stringify(name)} is refused by the agent`);
  }
});

test('nameProblem and the agent agree on which names are the same', async () => {
  const first = await agent.api.call('createWatchlist', { name: 'Ämter' });
  const second = await agent.request('POST', '/api/v1/watchlists', { body: JSON.stringify({ name: 'ämter' }) });
  const agentRefuses = second.status === 409;
  assert.equal(nameProblem('ämter', [first], null) !== null, agentRefuses, `agent ${second.status}; nameProblem: ${nameProblem('ämter', [first], null)}`);
});
