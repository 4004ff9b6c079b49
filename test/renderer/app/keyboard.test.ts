/** Kite's keys: a table of key presses and the actions they call, in the page and inside fields. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleKey, isTyping, type KeyActions } from '../../../renderer/src/app/keyboard';

/**
 * A stand-in for a DOM element: `closest` answers for the selectors the element or one of its
 * ancestors matches (`inside`), the way the browser's would.
 */
function element(inside: string[] = [], isContentEditable = false): EventTarget {
  return {
    isContentEditable,
    closest: (selectors: string) => (selectors.split(',').some((selector) => inside.includes(selector.trim())) ? {} : null),
  } as unknown as EventTarget;
}
const page = element(['div']);
const fields: Array<[string, EventTarget]> = [
  ['an input', element(['input'])],
  ['a textarea', element(['textarea'])],
  ['a select', element(['select'])],
  ['a contenteditable ancestor', element(['[contenteditable="true"]'])],
  ['an element that is itself editable', element([], true)],
  ['an open select dropdown', element(['.ant-select-dropdown'])],
  ['a modal', element(['.ant-modal'])],
  ['an open drawer (the order ticket)', element(['.ant-drawer-open'])],
  ['a dialog (the kill switch)', element(['dialog'])],
];

function recorder(pages = ['h', 'm', 't', 'b', 's']) {
  const calls: string[] = [];
  const actions: KeyActions = {
    focusSearch: () => void calls.push('search'),
    openWatchlist: (n) => void calls.push(`watchlist ${n}`),
    step: (by) => void calls.push(`step ${by}`),
    chart: () => void calls.push('chart'),
    trade: (side) => void calls.push(`trade ${side}`),
    page: (letter) => {
      calls.push(`page ${letter}`);
      return pages.includes(letter);
    },
  };
  return { actions, calls };
}

type Press = { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean; shiftKey?: boolean };
function press(event: Press, target: EventTarget | null = page) {
  const { actions, calls } = recorder();
  const handled = handleKey({ ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...event, target }, actions);
  return { handled, calls };
}

test('in the page: each key calls its action and is handled', () => {
  const cases: Array<[Press, string[]]> = [
    [{ key: '/' }, ['search']],
    [{ key: 'k', ctrlKey: true }, ['search']],
    [{ key: 'k', metaKey: true }, ['search']],
    [{ key: 'K', ctrlKey: true, shiftKey: true }, ['search']],
    [{ key: '1' }, ['watchlist 1']],
    [{ key: '4' }, ['watchlist 4']],
    [{ key: '7' }, ['watchlist 7']],
    [{ key: 'ArrowDown' }, ['step 1']],
    [{ key: 'ArrowUp' }, ['step -1']],
    [{ key: 'c' }, ['chart']],
    [{ key: 'C', shiftKey: true }, ['chart']],
    [{ key: 'b' }, ['trade BUY']],
    [{ key: 'B', shiftKey: true }, ['trade BUY']],
    [{ key: 's' }, ['trade SELL']],
    [{ key: 'S', shiftKey: true }, ['trade SELL']],
    [{ key: 't', altKey: true }, ['page t']],
    [{ key: 'M', altKey: true, shiftKey: true }, ['page m']],
  ];
  for (const [event, calls] of cases) assert.deepEqual(press(event), { handled: true, calls }, JSON.stringify(event));
});

test('keys that are not ours are left to the browser', () => {
  const cases: Press[] = [
    { key: 'k' }, // no modifier
    { key: '0' },
    { key: '8' },
    { key: '9' },
    { key: '10' },
    { key: 'x' },
    { key: 'Escape' },
    { key: 'Enter' },
    { key: 'ArrowLeft' },
    { key: ' ' },
    { key: 'Dead' },
    { key: 'Unidentified' },
    { key: '' },
    // The browser's own shortcuts: copy, tab switching, find.
    { key: 'c', ctrlKey: true },
    { key: 'c', metaKey: true },
    // Ctrl+S saves a page, Ctrl+B is a browser's bookmarks: never an order ticket.
    { key: 's', ctrlKey: true },
    { key: 'b', metaKey: true },
    { key: '1', ctrlKey: true },
    { key: '1', metaKey: true },
    { key: '/', ctrlKey: true },
    { key: 'ArrowDown', altKey: true },
    { key: 'f', ctrlKey: true },
    // Alt with Ctrl is AltGr on Windows (typing, not a page key); with Cmd it is not ours either.
    { key: 't', altKey: true, ctrlKey: true },
    { key: 't', altKey: true, metaKey: true },
    { key: '1', altKey: true },
    { key: 'ab', altKey: true },
  ];
  for (const event of cases) assert.deepEqual(press(event), { handled: false, calls: [] }, JSON.stringify(event));
});

test('Alt+letter is handled only when there is such a page', () => {
  assert.deepEqual(press({ key: 'z', altKey: true }), { handled: false, calls: ['page z'] });
  assert.deepEqual(press({ key: 'b', altKey: true }), { handled: true, calls: ['page b'] });
});

test('inside a field the keys are the field\'s; Ctrl/Cmd+K works everywhere', () => {
  for (const [what, target] of fields) {
    assert.equal(isTyping(target), true, what);
    for (const key of ['/', '1', '7', 'c', 'C', 'b', 'S', 'ArrowDown', 'ArrowUp']) {
      assert.deepEqual(press({ key }, target), { handled: false, calls: [] }, `${key} in ${what}`);
    }
    assert.deepEqual(press({ key: 'k', ctrlKey: true }, target), { handled: true, calls: ['search'] }, `Ctrl+K in ${what}`);
    assert.deepEqual(press({ key: 'k', metaKey: true }, target), { handled: true, calls: ['search'] }, `Cmd+K in ${what}`);
  }
});

test('a closed drawer that kept the focus does not keep the keys', () => {
  const closedDrawer = element(['.ant-drawer']);
  assert.equal(isTyping(closedDrawer), false);
  assert.deepEqual(press({ key: 'b' }, closedDrawer), { handled: true, calls: ['trade BUY'] });
});

test('targets that are not elements are not fields', () => {
  assert.equal(isTyping(null), false);
  assert.equal(isTyping({} as EventTarget), false, 'the window or document: no closest()');
  assert.equal(isTyping({ closest: 'not a function' } as unknown as EventTarget), false);
  assert.equal(isTyping(page), false);
  assert.deepEqual(press({ key: '/' }, null), { handled: true, calls: ['search'] });
  assert.deepEqual(press({ key: '2' }, {} as EventTarget), { handled: true, calls: ['watchlist 2'] });
});
