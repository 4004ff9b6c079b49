/**
 * The cells every orders table shares: the time (IST), the instrument, the side, the state, the
 * quantity filled of asked, prices with the instrument's decimals, and a refusal's rule with the
 * agent's sentence as it said it.
 */
import { Tag, Tooltip } from 'antd';
import type { ColumnType } from 'antd/es/table';
import type { Order, OrderState } from '../../../../shared/order';
import { formatPrice, formatQuantity } from '../../format/numbers';
import { formatDateTime, formatTableTime } from '../../format/time';

const STATE_COLOUR: Record<OrderState, string> = {
  pending: 'default',
  open: 'processing',
  partially_filled: 'gold',
  filled: 'success',
  cancelled: 'default',
  rejected: 'error',
};

export function StateTag({ state }: { state: OrderState }) {
  return (
    <Tag color={STATE_COLOUR[state]} bordered={false} className="state-tag" data-state={state}>
      {state === 'partially_filled' ? 'partly filled' : state}
    </Tag>
  );
}

export function SideTag({ side }: { side: 'BUY' | 'SELL' }) {
  return <span className={`side-tag ${side === 'BUY' ? 'buy' : 'sell'}`}>{side}</span>;
}

/** `INFY` with its exchange after it, small: the id as Kite writes it, easier to scan. */
export function InstrumentName({ id }: { id: string }) {
  const colon = id.indexOf(':');
  return (
    <span className="instrument-name" title={id}>
      <b>{colon < 0 ? id : id.slice(colon + 1)}</b>
      {colon < 0 ? null : <small>{id.slice(0, colon)}</small>}
    </span>
  );
}

/** The rule that refused an order (or the broker, for its own refusal) and the sentence, as it was said. */
export function Rejection({ rejection }: { rejection: Order['rejection'] }) {
  if (!rejection) return null;
  return (
    <span className="rejection">
      <span className="muted">Refused by</span>
      <Tag color="error" bordered={false} className="mono" data-testid="rejection-rule">
        {rejection.rule ?? 'the broker'}
      </Tag>
      <span data-testid="rejection-message">{rejection.message}</span>
    </span>
  );
}

const num = (text: string, className = '') => <span className={`num ${className}`}>{text}</span>;

/** Columns by name, so each table lists the ones it shows in its own order. */
export function orderColumns(decimalsOf: (instrument: string) => number, now: number) {
  const price = (value: number | undefined, order: Order) => num(value === undefined ? '—' : formatPrice(value, decimalsOf(order.instrument)));
  const columns = {
    time: {
      title: 'Time (IST)',
      dataIndex: 'createdAt',
      width: 84,
      render: (at: string) => (
        <Tooltip title={formatDateTime(at)}>
          <span className="num muted">{formatTableTime(at, now)}</span>
        </Tooltip>
      ),
    },
    algo: { title: 'Algo', dataIndex: 'algo', width: 110, ellipsis: true },
    instrument: { title: 'Instrument', dataIndex: 'instrument', render: (id: string) => <InstrumentName id={id} /> },
    side: { title: 'Side', dataIndex: 'side', width: 52, render: (side: Order['side']) => <SideTag side={side} /> },
    type: {
      title: 'Type',
      dataIndex: 'type',
      width: 64,
      render: (type: Order['type'], order: Order) => (
        <span className="muted" title={order.product ? `${type} · ${order.product}` : type}>
          {type}
        </span>
      ),
    },
    quantity: {
      title: 'Qty',
      key: 'quantity',
      width: 80,
      align: 'right' as const,
      render: (_: unknown, order: Order) => num(order.filledQuantity > 0 && order.filledQuantity !== order.quantity ? `${formatQuantity(order.filledQuantity)} / ${formatQuantity(order.quantity)}` : formatQuantity(order.quantity)),
    },
    price: {
      title: 'Price',
      key: 'price',
      width: 92,
      align: 'right' as const,
      render: (_: unknown, order: Order) => (order.type === 'MARKET' || order.type === 'SL-M' ? <span className="muted">market</span> : price(order.price, order)),
    },
    trigger: { title: 'Trigger', key: 'trigger', width: 86, align: 'right' as const, render: (_: unknown, order: Order) => price(order.trigger, order) },
    average: { title: 'Avg. price', key: 'average', width: 92, align: 'right' as const, render: (_: unknown, order: Order) => price(order.averagePrice ?? undefined, order) },
    state: { title: 'State', dataIndex: 'state', width: 96, render: (state: OrderState) => <StateTag state={state} /> },
  } satisfies Record<string, ColumnType<Order>>;
  return columns;
}
