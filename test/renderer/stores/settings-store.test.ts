/** This browser's preferences: kept in storage, and a hand-edited or hostile entry cannot put the page in a state it has no screen for. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StateStorage } from 'zustand/middleware';
import { createSettingsStore, WATCH_WIDTH } from '../../../renderer/src/stores/settings-store';

const KEY = 'algodeck.settings';

function mapStorage(initial: Record<string, string> = {}): StateStorage & { values: Map<string, string> } {
  const values = new Map(Object.entries(initial));
  return { values, getItem: (key) => values.get(key) ?? null, setItem: (key, value) => void values.set(key, value), removeItem: (key) => void values.delete(key) };
}
const saved = (state: unknown) => JSON.stringify({ state, version: 0 });
const choices = (store: ReturnType<typeof createSettingsStore>) => {
  const { theme, palette, watchWidth } = store.getState();
  return { theme, palette, watchWidth };
};
const DEFAULTS = { theme: 'system', palette: 'green-red', watchWidth: WATCH_WIDTH.initial };

test('defaults: follow the system, green and red, the initial width', () => {
  assert.deepEqual(choices(createSettingsStore(mapStorage())), DEFAULTS);
  assert.deepEqual(WATCH_WIDTH, { min: 300, max: 900, initial: 560 });
});

test('choices are kept in storage and read back by the next page', () => {
  const storage = mapStorage();
  const store = createSettingsStore(storage);
  store.getState().setTheme('dark');
  store.getState().setPalette('blue-orange');
  store.getState().setWatchWidth(640.4);
  assert.deepEqual(choices(store), { theme: 'dark', palette: 'blue-orange', watchWidth: 640 });
  const entry = JSON.parse(storage.values.get(KEY)!) as { state: Record<string, unknown> };
  assert.deepEqual(entry.state, { theme: 'dark', palette: 'blue-orange', watchWidth: 640 }, 'only the choices are stored, no functions');
  assert.deepEqual(choices(createSettingsStore(storage)), { theme: 'dark', palette: 'blue-orange', watchWidth: 640 });
  store.getState().setTheme('light');
  assert.equal(createSettingsStore(storage).getState().theme, 'light');
});

test('the width is clamped and whole as it is set', () => {
  const store = createSettingsStore(mapStorage());
  const cases: Array<[number, number]> = [
    [0, 300],
    [-1e9, 300],
    [299.6, 300],
    [300, 300],
    [555.5, 556],
    [900, 900],
    [900.4, 900],
    [1e9, 900],
    [Number.POSITIVE_INFINITY, 900],
    [Number.NEGATIVE_INFINITY, 300],
  ];
  for (const [width, expected] of cases) {
    store.getState().setWatchWidth(width);
    assert.equal(store.getState().watchWidth, expected, `setWatchWidth(${width})`);
  }
});

test('a hand-edited or hostile entry is ignored or clamped, field by field', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    [saved({ theme: 'purple', watchWidth: 1e9 }), { watchWidth: 900 }],
    [saved({ theme: 'dark', watchWidth: -50 }), { theme: 'dark', watchWidth: 300 }],
    [saved({ theme: 'DARK', palette: 'red-green', watchWidth: '700' }), {}],
    [saved({ theme: null, palette: 42, watchWidth: null }), {}],
    [saved({ theme: ['dark'], palette: { palette: 'blue-orange' }, watchWidth: [700] }), {}],
    [saved({ palette: 'blue-orange' }), { palette: 'blue-orange' }],
    [saved({ watchWidth: 1e308 * 10 }), {}], // Infinity is written as null
    [saved('dark'), {}],
    [saved(null), {}],
    [saved([]), {}],
    [JSON.stringify({ version: 0 }), {}],
    // Functions cannot be replaced from storage, and a __proto__ key is only a key.
    [saved({ setTheme: 'boom', setWatchWidth: null, getState: 1 }), {}],
    ['{"state":{"__proto__":{"theme":"dark","watchWidth":700}},"version":0}', {}],
    ['{"state":{"constructor":{"prototype":{"theme":"dark"}}},"version":0}', {}],
  ];
  for (const [entry, expected] of cases) {
    const store = createSettingsStore(mapStorage({ [KEY]: entry }));
    assert.deepEqual(choices(store), { ...DEFAULTS, ...expected }, entry);
    assert.equal(typeof store.getState().setTheme, 'function', entry);
    assert.equal(typeof store.getState().setWatchWidth, 'function', entry);
    store.getState().setTheme('light');
    assert.equal(store.getState().theme, 'light', `${entry}: still works`);
  }
  assert.equal(({} as Record<string, unknown>).theme, undefined, 'no prototype polluted');
});

test('storage that is not JSON leaves the defaults', () => {
  const garbage = createSettingsStore(mapStorage({ [KEY]: 'not json {' }));
  assert.deepEqual(choices(garbage), DEFAULTS);
  garbage.getState().setTheme('dark');
  assert.equal(garbage.getState().theme, 'dark');
});

test('storage that refuses to read or write (disabled, full) leaves the defaults and never throws', async () => {
  const throwing: StateStorage = {
    getItem: () => {
      throw new Error('storage is disabled');
    },
    setItem: () => {
      throw new Error('quota exceeded');
    },
    removeItem: () => undefined,
  };
  const store = createSettingsStore(throwing);
  assert.deepEqual(choices(store), DEFAULTS);
  await new Promise((resolve) => setImmediate(resolve));
  assert.doesNotThrow(() => store.getState().setPalette('blue-orange'));
  assert.equal(store.getState().palette, 'blue-orange', 'the choice applies for this page even when it cannot be kept');
});

test('in Node without localStorage, the store keeps choices in memory', () => {
  assert.equal(typeof (globalThis as { localStorage?: unknown }).localStorage, 'undefined');
  const first = createSettingsStore();
  first.getState().setTheme('dark');
  assert.equal(first.getState().theme, 'dark');
  assert.equal(createSettingsStore().getState().theme, 'system', 'each store its own memory');
});

test('a width that is not a number is ignored', () => {
  const store = createSettingsStore(mapStorage());
  store.getState().setWatchWidth(Number.NaN);
  assert.equal(store.getState().watchWidth, WATCH_WIDTH.initial);
});
