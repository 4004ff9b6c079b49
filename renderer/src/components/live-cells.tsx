/**
 * Cells of live figures. Each subscribes to its own instrument, so a tick re-renders that
 * instrument's cells and nothing else; a change flashes the cell's background (a class toggled
 * on the element: no re-render, no layout shift). A stale price is greyed, never shown fresh.
 */
import { memo, useEffect, useRef } from 'react';
import type { Tick } from '../../../shared/tick';
import { directionOf, formatChange, formatCompact, formatPrice, formatQuantity } from '../format/numbers';
import type { LiveFeed } from '../live/live-feed';
import { useQuote } from '../live/use-live';
import { flasher } from './flash';

export type LiveField = 'lastPrice' | 'change' | 'volume' | 'bid' | 'ask' | 'high' | 'low' | 'open' | 'close' | 'averagePrice' | 'oi';

export function fieldOf(tick: Tick | undefined, field: LiveField): number | undefined {
  if (!tick) return undefined;
  switch (field) {
    case 'lastPrice':
      return tick.lastPrice;
    case 'change':
      return tick.change;
    case 'volume':
      return tick.volume;
    case 'bid':
      return tick.depth?.buy[0]?.price || undefined;
    case 'ask':
      return tick.depth?.sell[0]?.price || undefined;
    case 'high':
      return tick.ohlc?.high;
    case 'low':
      return tick.ohlc?.low;
    case 'open':
      return tick.ohlc?.open;
    case 'close':
      return tick.ohlc?.close;
    case 'averagePrice':
      return tick.averagePrice;
    case 'oi':
      return tick.oi;
  }
}

function formatField(field: LiveField, value: number | undefined, decimals: number): string {
  if (field === 'change') return formatChange(value);
  if (field === 'volume') return formatCompact(value);
  if (field === 'oi') return formatQuantity(value);
  return formatPrice(value, decimals);
}

/** Flashes the element when `value` moves (up or down), through the dashboard's one flasher. */
function useFlash(value: number | undefined, enabled: boolean) {
  const ref = useRef<HTMLSpanElement>(null);
  const previous = useRef(value);
  useEffect(() => {
    const before = previous.current;
    previous.current = value;
    const element = ref.current;
    if (!element || !enabled || before === undefined || value === undefined || before === value) return;
    flasher.flash(element, value > before);
  }, [value, enabled]);
  return ref;
}

export const LiveCell = memo(function LiveCell(props: { feed: LiveFeed; id: string; field: LiveField; decimals?: number; flash?: boolean; colour?: boolean }) {
  const { tick, stale } = useQuote(props.feed, props.id);
  const value = fieldOf(tick, props.field);
  const ref = useFlash(value, props.flash ?? false);
  const direction = props.colour ? directionOf(props.field === 'change' ? value : tick?.change) : 'flat';
  const className = ['cell', 'num', direction === 'flat' ? '' : direction, stale ? 'stale' : ''].join(' ');
  return (
    <span ref={ref} className={className} data-field={props.field} data-stale={stale || undefined}>
      {formatField(props.field, value, props.decimals ?? 2)}
    </span>
  );
});
