/** Market depth as Kite shows it: best five bids and offers (price, orders, quantity) and the day's figures. */
import { Card, Descriptions, Typography } from 'antd';
import type { DepthLevel } from '../../../../shared/tick';
import { useDeck, useSlice } from '../../app/deck';
import { decimalsOf, formatCompact, formatPrice, formatQuantity } from '../../format/numbers';
import { formatClock } from '../../format/time';
import { useQuote } from '../../live/use-live';

interface Level extends DepthLevel {
  key: number;
}

function side(levels: DepthLevel[] | undefined): Level[] {
  const five = (levels ?? []).slice(0, 5).map((level, key) => ({ ...level, key }));
  while (five.length < 5) five.push({ key: five.length, price: 0, quantity: 0, orders: 0 });
  return five;
}

export function DepthPanel(props: { instrument: string }) {
  const deck = useDeck();
  const { tick, stale } = useQuote(deck.feed, props.instrument);
  const meta = useSlice(deck.watchlists, (slice) => slice.instruments[props.instrument]);
  const decimals = decimalsOf(meta?.tickSize);
  const total = (key: 'totalBuyQuantity' | 'totalSellQuantity') => formatQuantity(tick?.[key]);
  return (
    <Card size="small" title="Market depth" style={{ width: 300, flex: 'none', opacity: stale ? 0.6 : 1 }} styles={{ body: { padding: 8 } }} data-testid="depth">
      {tick?.depth ? (
        <>
          <DepthSide kind="bid" levels={side(tick.depth.buy)} decimals={decimals} />
          <Typography.Text type="secondary" className="num" style={{ display: 'block', fontSize: 12, margin: '2px 6px 8px' }}>
            Total {total('totalBuyQuantity')}
          </Typography.Text>
          <DepthSide kind="offer" levels={side(tick.depth.sell)} decimals={decimals} />
          <Typography.Text type="secondary" className="num" style={{ display: 'block', fontSize: 12, margin: '2px 6px 8px' }}>
            Total {total('totalSellQuantity')}
          </Typography.Text>
        </>
      ) : tick?.tradable === false ? (
        <Typography.Paragraph type="secondary">An index is not traded: it has no bids, offers or market depth.</Typography.Paragraph>
      ) : (
        <Typography.Paragraph type="secondary">Depth comes with full-mode ticks: set the instrument's mode to full on the ticker page.</Typography.Paragraph>
      )}
      <Descriptions size="small" column={1} bordered={false} styles={{ content: { justifyContent: 'flex-end' } }}>
        <Descriptions.Item label="Volume">
          <span className="num">{formatCompact(tick?.volume)}</span>
        </Descriptions.Item>
        <Descriptions.Item label="Avg. price">
          <span className="num">{formatPrice(tick?.averagePrice, decimals)}</span>
        </Descriptions.Item>
        <Descriptions.Item label="LTQ">
          <span className="num">{formatQuantity(tick?.lastQuantity)}</span>
        </Descriptions.Item>
        <Descriptions.Item label="LTT">
          <span className="num">{formatClock(tick?.lastTradeTime)}</span>
        </Descriptions.Item>
        {tick?.oi !== undefined && (tick.oi > 0 || (meta !== undefined && meta.instrumentType !== 'EQ')) ? (
          <Descriptions.Item label="OI">
            <span className="num">{formatQuantity(tick.oi)}</span>
          </Descriptions.Item>
        ) : null}
      </Descriptions>
    </Card>
  );
}

/** Five levels of one side: a plain table, drawn again on every tick of the instrument. */
function DepthSide(props: { kind: 'bid' | 'offer'; levels: Level[]; decimals: number }) {
  return (
    <table className="depth-table">
      <thead>
        <tr>
          <th>{props.kind === 'bid' ? 'Bid' : 'Offer'}</th>
          <th>Orders</th>
          <th>Qty.</th>
        </tr>
      </thead>
      <tbody>
        {props.levels.map((level) => (
          <tr key={level.key}>
            <td className={`num ${props.kind === 'bid' ? 'up' : 'down'}`}>{level.price > 0 ? formatPrice(level.price, props.decimals) : '—'}</td>
            <td className="num">{level.orders > 0 ? level.orders : '—'}</td>
            <td className="num">{level.quantity > 0 ? formatQuantity(level.quantity) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
