/**
 * Kite's keys where they exist: `/` or Ctrl/Cmd+K focuses instrument search, 1–7 switch
 * watchlists, ↑/↓ move through the watchlist, C opens the chart, B and S open the order ticket
 * to buy or sell the selected instrument, Esc leaves a field; Alt+letter opens a page. Keys typed
 * into a field, an open drawer (the ticket) or a dialog are theirs; a closed drawer that kept the
 * focus is not.
 */
export interface KeyActions {
  focusSearch(): void;
  openWatchlist(n: number): void;
  step(by: number): void;
  chart(): void;
  trade(side: 'BUY' | 'SELL'): void;
  page(letter: string): boolean;
}

export function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element || typeof element.closest !== 'function') return false;
  return element.isContentEditable || element.closest('input, textarea, select, [contenteditable="true"], .ant-select-dropdown, .ant-modal, .ant-drawer-open, dialog') !== null;
}

/** Handles a key press; true when it was one of ours (the caller prevents the default). */
export function handleKey(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'target'> & { code?: string },
  actions: KeyActions,
): boolean {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
    actions.focusSearch();
    return true;
  }
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    // On macOS Alt+T types "†": the physical key (`KeyT`) names the letter.
    const letter = event.code?.startsWith('Key') ? event.code.slice(3).toLowerCase() : event.key.toLowerCase();
    if (/^[a-z]$/.test(letter)) return actions.page(letter);
  }
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return false;
  if (event.key === '/') {
    actions.focusSearch();
    return true;
  }
  if (/^[1-7]$/.test(event.key)) {
    actions.openWatchlist(Number(event.key));
    return true;
  }
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    actions.step(event.key === 'ArrowDown' ? 1 : -1);
    return true;
  }
  if (event.key === 'c' || event.key === 'C') {
    actions.chart();
    return true;
  }
  if (event.key === 'b' || event.key === 'B' || event.key === 's' || event.key === 'S') {
    actions.trade(event.key.toLowerCase() === 'b' ? 'BUY' : 'SELL');
    return true;
  }
  return false;
}
