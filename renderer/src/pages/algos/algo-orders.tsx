/**
 * One algo's orders, newest first, with the orders page's cells: time (IST), instrument, side,
 * type, quantity filled of asked, price, average and state; a refused one reads in full under it
 * (the rule and the agent's sentence). Cancelling is the orders page's.
 */
import { Table, Typography } from 'antd';
import { useMemo } from 'react';
import type { Order } from '../../../../shared/order';
import { useDeck, useSlice } from '../../app/deck';
import { navigate } from '../../app/router';
import { decimalsOf } from '../../format/numbers';
import { orderColumns, Rejection } from '../orders/order-cells';

export function AlgoOrders({ algo, now }: { algo: string; now: number }) {
  const deck = useDeck();
  const orders = useSlice(deck.orders, (slice) => slice.orders);
  const known = useSlice(deck.watchlists, (slice) => slice.instruments);
  const c = useMemo(() => orderColumns((id) => decimalsOf(known[id]?.tickSize), now), [known, now]);
  const mine = useMemo(() => (orders ?? []).filter((order) => order.algo === algo), [orders, algo]);
  const refused = useMemo(() => mine.filter((order) => order.rejection !== null).map((order) => order.id), [mine]);
  return (
    <div data-testid="algo-orders">
      <Table<Order>
        size="small"
        rowKey="id"
        dataSource={mine}
        loading={orders === null}
        columns={[c.time, c.instrument, c.side, c.type, c.quantity, c.price, c.average, c.state]}
        pagination={{ pageSize: 10, size: 'small', hideOnSinglePage: true, showSizeChanger: false }}
        rowClassName={(order) => (order.state === 'rejected' ? 'row-rejected' : '')}
        expandable={{
          expandedRowRender: (order) => <Rejection rejection={order.rejection} />,
          rowExpandable: (order) => order.rejection !== null,
          expandedRowKeys: refused,
          showExpandColumn: false,
          expandedRowClassName: () => 'row-rejection',
        }}
        locale={{ emptyText: `No orders from ${algo} yet.` }}
        data-testid="algo-orders-table"
      />
      <Typography.Text type="secondary" style={{ fontSize: 12, display: 'block', marginTop: 6 }}>
        Open orders are cancelled, and positions exited, on the <Typography.Link onClick={() => navigate('/orders')}>Orders page</Typography.Link>.
      </Typography.Text>
    </div>
  );
}
