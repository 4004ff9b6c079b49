/**
 * The watchlist's rows: a light grid of divs, virtualised (only the rows in view exist), with a
 * fixed row height so scrolling thousands of instruments costs nothing. Each live figure is a
 * cell subscribed to its own instrument, so a tick re-renders that cell alone.
 */
import { DeleteOutlined, LineChartOutlined } from '@ant-design/icons';
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import type { Instrument } from '../../../../shared/instrument';
import { LiveCell, type LiveField } from '../../components/live-cells';
import { decimalsOf } from '../../format/numbers';
import type { LiveFeed } from '../../live/live-feed';

export const ROW_HEIGHT = 26;

export interface WatchColumn {
  field: LiveField;
  title: string;
  width: number;
}

interface RowProps {
  feed: LiveFeed;
  id: string;
  instrument: Instrument | undefined;
  columns: readonly WatchColumn[];
  template: string;
  selected: boolean;
  carried: boolean;
  top: number;
  onSelect(id: string): void;
  onOpen(id: string): void;
  onRemove(id: string): void;
}

const WatchRow = memo(function WatchRow(props: RowProps) {
  const [exchange, symbol] = props.id.split(':') as [string, string];
  const decimals = decimalsOf(props.instrument?.tickSize);
  return (
    <div
      role="row"
      aria-selected={props.selected}
      className={`watch-row${props.selected ? ' selected' : ''}`}
      data-instrument={props.id}
      style={{ gridTemplateColumns: props.template, transform: `translateY(${props.top}px)` }}
      onClick={() => props.onSelect(props.id)}
      onDoubleClick={() => props.onOpen(props.id)}
    >
      <span role="cell" className="watch-name" title={props.instrument?.name ?? props.id}>
        <b>{props.instrument?.tradingsymbol ?? symbol}</b>
        {/* As Kite does: the exchange is named when it is not NSE, indices are marked. */}
        {exchange === 'NSE' ? null : <small>{exchange}</small>}
        {props.instrument && !props.instrument.tradable ? <small>INDEX</small> : null}
        {props.carried ? null : (
          <small className="watch-off" title="Not subscribed on the ticker: no live price">
            off
          </small>
        )}
      </span>
      {props.columns.map((column) => (
        <span role="cell" key={column.field}>
          <LiveCell
            feed={props.feed}
            id={props.id}
            field={column.field}
            decimals={decimals}
            flash={column.field === 'lastPrice'}
            colour={column.field === 'lastPrice' || column.field === 'change'}
          />
        </span>
      ))}
      {/* Plain buttons: a row is drawn often, and antd's Button and Tooltip cost more than the row itself. */}
      <span role="cell" className="watch-actions">
        <button type="button" title="Chart (C)" aria-label={`Chart ${props.id}`} onClick={(event) => (event.stopPropagation(), props.onOpen(props.id))}>
          <LineChartOutlined />
        </button>
        <button type="button" title="Remove from this watchlist" aria-label={`Remove ${props.id}`} onClick={(event) => (event.stopPropagation(), props.onRemove(props.id))}>
          <DeleteOutlined />
        </button>
      </span>
    </div>
  );
});

/**
 * The scroller's size and offset as the virtualiser needs them, without reading the layout: its
 * height is ours (a prop), a new scroller starts at the top, and changes come from a
 * ResizeObserver and scroll events. The library's own observers read `clientHeight` and
 * `scrollTop` in the commit, which forces a layout of the whole page before its first paint.
 */
function observeRect(height: number) {
  return (instance: Virtualizer<HTMLDivElement, Element>, update: (rect: { width: number; height: number }) => void) => {
    const element = instance.scrollElement;
    if (!element) return;
    update({ width: 0, height });
    const observer = new ResizeObserver(([entry]) => {
      if (entry) update({ width: Math.round(entry.contentRect.width), height: Math.round(entry.contentRect.height) });
    });
    observer.observe(element);
    return () => observer.disconnect();
  };
}

/** Where each scroller was last scrolled to, by us or by the user (a new one is at the top). */
const offsets = new WeakMap<Element, number>();

function observeOffset(instance: Virtualizer<HTMLDivElement, Element>, update: (offset: number, isScrolling: boolean) => void) {
  const element = instance.scrollElement;
  if (!element) return;
  update(offsets.get(element) ?? 0, false);
  let idle: ReturnType<typeof setTimeout> | undefined;
  const onScroll = () => {
    offsets.set(element, element.scrollTop);
    update(element.scrollTop, true);
    clearTimeout(idle);
    idle = setTimeout(() => update(element.scrollTop, false), 150);
  };
  element.addEventListener('scroll', onScroll, { passive: true });
  return () => {
    clearTimeout(idle);
    element.removeEventListener('scroll', onScroll);
  };
}

/** Scrolls, unless the scroller is already there: `scrollTo` lays the page out, even for nothing. */
function scrollTo(offset: number, { adjustments = 0, behavior }: { adjustments?: number; behavior?: ScrollBehavior }, instance: Virtualizer<HTMLDivElement, Element>) {
  const element = instance.scrollElement;
  if (!element) return;
  const top = offset + adjustments;
  if ((offsets.get(element) ?? 0) === top) return;
  offsets.set(element, top);
  element.scrollTo({ top, ...(behavior ? { behavior } : {}) });
}

export function WatchGrid(props: {
  feed: LiveFeed;
  ids: readonly string[];
  instruments: Record<string, Instrument>;
  columns: readonly WatchColumn[];
  selected: string | null;
  carried: ReadonlySet<string> | null;
  height: number;
  onSelect(id: string): void;
  onOpen(id: string): void;
  onRemove(id: string): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const { ids, selected } = props;
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualiser is read during render by design
  const virtual = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    observeElementRect: observeRect(props.height),
    observeElementOffset: observeOffset,
    scrollToFn: scrollTo,
  });
  const template = `minmax(96px, 1fr) ${props.columns.map((column) => `${column.width}px`).join(' ')} 52px`;

  // The selection (↑/↓, a click, a chart link) is always in view.
  useEffect(() => {
    const index = selected === null ? -1 : ids.indexOf(selected);
    if (index >= 0) virtual.scrollToIndex(index, { align: 'auto' });
  }, [selected, ids, virtual]);

  return (
    <div className="watch-grid" role="grid" aria-rowcount={ids.length}>
      <div role="row" className="watch-row watch-header" style={{ gridTemplateColumns: template }}>
        <span role="columnheader">Instrument</span>
        {props.columns.map((column) => (
          <span role="columnheader" key={column.field} className="num">
            {column.title}
          </span>
        ))}
        <span />
      </div>
      <div ref={scroller} className="watch-body" style={{ height: props.height }}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const id = ids[item.index]!;
            return (
              <WatchRow
                key={id}
                feed={props.feed}
                id={id}
                instrument={props.instruments[id]}
                columns={props.columns}
                template={template}
                selected={id === selected}
                carried={props.carried === null || props.carried.has(id)}
                top={item.start}
                onSelect={props.onSelect}
                onOpen={props.onOpen}
                onRemove={props.onRemove}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
