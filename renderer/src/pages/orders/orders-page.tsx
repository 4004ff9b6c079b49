/**
 * Orders and positions: positions per algo with live P&L and money at risk, the open orders with
 * cancel, the order book (state and algo filters; a refusal's rule and the agent's sentence) and
 * its fills. Buy and sell open the ticket, which every order passes through the same risk check
 * as an algo's. A first run says how to get an order in.
 */
import { ArrowDownOutlined, ArrowUpOutlined, CloudUploadOutlined } from '@ant-design/icons';
import { Alert, Button, Space, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useDeck, useSlice } from '../../app/deck';
import { navigate } from '../../app/router';
import { isOpen } from '../../stores/orders-store';
import { OpenOrdersCard, OrderBookCard } from './order-tables';
import { PositionsCard } from './positions-card';

export function OrdersPage() {
  const deck = useDeck();
  const orders = useSlice(deck.orders, (slice) => slice.orders);
  const error = useSlice(deck.orders, (slice) => slice.error);
  const positions = useSlice(deck.orders, (slice) => slice.positions);
  const positionsError = useSlice(deck.orders, (slice) => slice.positionsError);
  const selected = useSlice(deck.watchlists, (slice) => slice.selected);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => deck.orders.getState().watch(), [deck]);
  useEffect(() => deck.orders.getState().watchPositions(), [deck]);
  useEffect(() => {
    // Times of orders read "today" or a date: the day can turn while the page is open.
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const open = useMemo(() => orders?.filter(isOpen) ?? [], [orders]);
  const rejected = orders?.filter((order) => order.state === 'rejected').length ?? 0;
  const ticket = (side: 'BUY' | 'SELL') => deck.orders.getState().openTicket({ side, instrument: selected });
  const empty = orders !== null && orders.length === 0 && (positions?.length ?? 0) === 0;

  return (
    <div className="page" data-testid="orders-page">
      <div className="page-head">
        <Space align="baseline" size={12}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            Orders &amp; positions
          </Typography.Title>
          <Typography.Text type="secondary" data-testid="orders-summary">
            {orders ? `${open.length} open · ${orders.length} ${orders.length === 1 ? 'order' : 'orders'} · ${rejected} refused` : 'Loading…'}
          </Typography.Text>
        </Space>
        <Space>
          <Button className="buy-button" icon={<ArrowUpOutlined />} onClick={() => ticket('BUY')} title="Buy the selected instrument (B)" data-testid="open-buy">
            Buy <kbd>B</kbd>
          </Button>
          <Button className="sell-button" icon={<ArrowDownOutlined />} onClick={() => ticket('SELL')} title="Sell the selected instrument (S)" data-testid="open-sell">
            Sell <kbd>S</kbd>
          </Button>
        </Space>
      </div>
      {error ? <Alert type="error" showIcon message={`The orders could not be read: ${error.message}`} style={{ marginBottom: 10 }} /> : null}
      {empty ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 10 }}
          data-testid="orders-empty"
          message="No orders yet: place one from the ticket, or start an algo."
          description="Select an instrument in the market watch and press B to buy or S to sell. Every order, manual or an algo's, passes the same risk check; a refusal shows the rule that refused it."
          action={
            <Space direction="vertical">
              <Button type="primary" onClick={() => ticket('BUY')}>
                Open the ticket
              </Button>
              <Button icon={<CloudUploadOutlined />} onClick={() => navigate('/algos')}>
                Start an algo
              </Button>
            </Space>
          }
        />
      ) : null}
      <PositionsCard positions={positions} error={positionsError?.message ?? null} />
      <OpenOrdersCard orders={open} now={now} />
      <OrderBookCard orders={orders} now={now} />
    </div>
  );
}
