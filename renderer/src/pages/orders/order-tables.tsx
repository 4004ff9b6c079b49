/**
 * The orders tables: open orders with cancel (asked first, naming the order), and the order
 * book with a state and algo filter (a refused order shows its rule and the agent's sentence)
 * beside the fills (each order's filled quantity, average price, value and fees).
 */
import { CloseOutlined } from '@ant-design/icons';
import { Button, Card, Popconfirm, Segmented, Select, Space, Table, Tabs, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { ORDER_STATES, type Order, type OrderState } from '../../../../shared/order';
import { useDeck, useSlice } from '../../app/deck';
import { useAction } from '../../components/use-action';
import { decimalsOf, formatPrice, formatQuantity, formatRupees } from '../../format/numbers';
import { ORDERS_KEPT } from '../../stores/orders-store';
import { orderColumns, Rejection } from './order-cells';

function useColumns(now: number) {
  const deck = useDeck();
  const known = useSlice(deck.watchlists, (slice) => slice.instruments);
  return useMemo(() => orderColumns((id) => decimalsOf(known[id]?.tickSize), now), [known, now]);
}

/** How an order reads in a sentence: `BUY 10 NSE:INFY LIMIT ₹1,500.00 (manual)`. */
export function describeOrder(order: Pick<Order, 'side' | 'quantity' | 'instrument' | 'type' | 'price' | 'trigger' | 'algo'>): string {
  const at = order.type === 'LIMIT' || order.type === 'SL' ? ` at ₹${formatPrice(order.price)}` : order.type === 'MARKET' ? ' at market' : '';
  const trigger = order.trigger === undefined ? '' : `, trigger ₹${formatPrice(order.trigger)}`;
  return `${order.side} ${formatQuantity(order.quantity)} ${order.instrument} ${order.type}${at}${trigger} (${order.algo})`;
}

export function OpenOrdersCard({ orders, now }: { orders: Order[]; now: number }) {
  const deck = useDeck();
  const { busy, act } = useAction();
  const c = useColumns(now);
  const columns = [
    c.time,
    c.algo,
    c.instrument,
    c.side,
    c.type,
    c.quantity,
    c.price,
    c.trigger,
    c.state,
    {
      key: 'cancel',
      width: 84,
      render: (_: unknown, order: Order) => (
        <Popconfirm
          title={`Cancel ${describeOrder(order)}?`}
          description={order.filledQuantity > 0 ? `The ${formatQuantity(order.quantity - order.filledQuantity)} not yet filled are cancelled; the ${formatQuantity(order.filledQuantity)} filled stay.` : 'Cancels pass in every trading state.'}
          okText="Cancel order"
          cancelText="Keep it"
          okButtonProps={{ danger: true }}
          onConfirm={() => act(`cancel:${order.id}`, `Cancelled ${describeOrder(order)}`, () => deck.orders.getState().cancel(order.id))}
        >
          <Button size="small" danger type="text" icon={<CloseOutlined />} loading={busy === `cancel:${order.id}`} data-testid={`cancel-${order.id}`}>
            Cancel
          </Button>
        </Popconfirm>
      ),
    },
  ];
  return (
    <Card size="small" title={`Open orders (${orders.length})`} style={{ marginBottom: 10 }} data-testid="open-orders">
      <Table<Order>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={orders}
        columns={columns}
        locale={{ emptyText: 'No open orders: a limit or stop order waits here until it fills or is cancelled.' }}
        scroll={orders.length > 12 ? { y: 330 } : undefined}
        data-testid="open-orders-table"
      />
    </Card>
  );
}

type Filter = 'all' | OrderState;

export function OrderBookCard({ orders, now }: { orders: Order[] | null; now: number }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [algo, setAlgo] = useState<string | null>(null);
  const c = useColumns(now);
  const all = useMemo(() => orders ?? [], [orders]);
  const algos = useMemo(() => [...new Set(all.map((order) => order.algo))].sort(), [all]);
  const counts = useMemo(() => {
    const by = new Map<OrderState, number>();
    for (const order of all) if (algo === null || order.algo === algo) by.set(order.state, (by.get(order.state) ?? 0) + 1);
    return by;
  }, [all, algo]);
  const shown = useMemo(() => all.filter((order) => (filter === 'all' || order.state === filter) && (algo === null || order.algo === algo)), [all, filter, algo]);
  const rejectedKeys = useMemo(() => shown.filter((order) => order.rejection !== null).map((order) => order.id), [shown]);
  const fills = useMemo(() => all.filter((order) => order.filledQuantity > 0 && (algo === null || order.algo === algo)), [all, algo]);
  const pagination = { pageSize: 50, size: 'small' as const, hideOnSinglePage: true, showSizeChanger: false };

  const orderTable = (
    <Table<Order>
      size="small"
      rowKey="id"
      dataSource={shown}
      columns={[c.time, c.algo, c.instrument, c.side, c.type, c.quantity, c.price, c.average, c.state]}
      pagination={pagination}
      rowClassName={(order) => (order.state === 'rejected' ? 'row-rejected' : '')}
      // A refusal reads in full under its order: the rule, and the agent's sentence as it said it.
      expandable={{
        expandedRowRender: (order) => <Rejection rejection={order.rejection} />,
        rowExpandable: (order) => order.rejection !== null,
        expandedRowKeys: rejectedKeys,
        showExpandColumn: false,
        expandedRowClassName: () => 'row-rejection',
      }}
      locale={{ emptyText: filter === 'all' ? 'No orders yet.' : `No ${filter.replace('_', ' ')} orders${algo ? ` of ${algo}` : ''}.` }}
      data-testid="orders-table"
    />
  );
  const fillColumns = [
    { ...c.time, title: 'Last fill (IST)', dataIndex: 'updatedAt' },
    c.algo,
    c.instrument,
    c.side,
    { title: 'Filled', dataIndex: 'filledQuantity', width: 80, align: 'right' as const, render: (quantity: number) => <span className="num">{formatQuantity(quantity)}</span> },
    c.average,
    { title: 'Value', key: 'value', width: 110, align: 'right' as const, render: (_: unknown, order: Order) => <span className="num">{formatRupees((order.averagePrice ?? 0) * order.filledQuantity)}</span> },
    { title: 'Fees', dataIndex: 'fees', width: 80, align: 'right' as const, render: (fees: number) => <span className="num muted">{formatRupees(fees)}</span> },
    c.state,
  ];
  return (
    <Card size="small" styles={{ body: { paddingTop: 0 } }} data-testid="order-book">
      <Tabs
        size="small"
        tabBarExtraContent={
          <Space size={8}>
            <Select<string | null>
              size="small"
              value={algo}
              onChange={setAlgo}
              style={{ width: 140 }}
              options={[{ value: null, label: 'All algos' }, ...algos.map((name) => ({ value: name, label: name }))]}
              aria-label="Algo"
            />
          </Space>
        }
        items={[
          {
            key: 'orders',
            label: `Orders (${formatQuantity(all.length)})`,
            children: (
              <>
                <Segmented<Filter>
                  size="small"
                  value={filter}
                  onChange={setFilter}
                  style={{ marginBottom: 8 }}
                  data-testid="order-filter"
                  options={[
                    { value: 'all', label: 'All' },
                    ...ORDER_STATES.map((state) => ({ value: state, label: `${state === 'partially_filled' ? 'Partly filled' : state[0]!.toUpperCase() + state.slice(1)} ${counts.get(state) ?? 0}` })),
                  ]}
                />
                {orderTable}
                {all.length >= ORDERS_KEPT ? (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    The latest {formatQuantity(ORDERS_KEPT)} orders are shown.
                  </Typography.Text>
                ) : null}
              </>
            ),
          },
          {
            key: 'fills',
            label: `Fills (${formatQuantity(fills.length)})`,
            children: (
              <Table<Order>
                size="small"
                rowKey="id"
                dataSource={fills}
                columns={fillColumns}
                pagination={pagination}
                locale={{ emptyText: 'Nothing filled yet.' }}
                data-testid="fills-table"
              />
            ),
          },
        ]}
      />
    </Card>
  );
}
