/**
 * The open watchlist's biggest movers: five gainers and five losers by change %, re-ranked once a
 * second (a ranking that moved with every tick could not be read), their figures live.
 */
import { Card, Col, Empty, Row, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { LiveCell } from '../../components/live-cells';
import { useDeck, useSlice } from '../../app/deck';
import { openChart } from '../market/watchlist-panel';
import { decimalsOf } from '../../format/numbers';
import { activeList } from '../../stores/watchlist-store';

const SHOWN = 5;

/** The ids with a known change, highest first. */
export function rankByChange(ids: readonly string[], changeOf: (id: string) => number | undefined): string[] {
  return ids
    .map((id) => [id, changeOf(id)] as const)
    .filter((entry): entry is readonly [string, number] => entry[1] !== undefined && Number.isFinite(entry[1]))
    .sort((a, b) => b[1] - a[1])
    .map(([id]) => id);
}

export function Movers() {
  const deck = useDeck();
  const list = useSlice(deck.watchlists, (slice) => activeList(slice));
  const known = useSlice(deck.watchlists, (slice) => slice.instruments);
  const [ranked, setRanked] = useState<string[]>([]);
  useEffect(() => {
    const rank = () => setRanked(rankByChange(list?.instruments ?? [], (id) => deck.feed.prices.get(id)?.change));
    rank();
    const timer = setInterval(rank, 1_000);
    return () => clearInterval(timer);
  }, [deck, list]);

  const gainers = ranked.filter((id) => (deck.feed.prices.get(id)?.change ?? 0) > 0).slice(0, SHOWN);
  const losers = ranked.filter((id) => (deck.feed.prices.get(id)?.change ?? 0) < 0).slice(-SHOWN).reverse();
  const side = (title: string, ids: string[]) => (
    <Col span={12}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {title}
      </Typography.Text>
      {ids.length === 0 ? (
        <Typography.Paragraph type="secondary">—</Typography.Paragraph>
      ) : (
        ids.map((id) => (
          <div key={id} className="mover" onClick={() => openChart(id)} role="button" tabIndex={0} onKeyDown={(event) => event.key === 'Enter' && openChart(id)}>
            <b>{known[id]?.tradingsymbol ?? id.split(':')[1]}</b>
            <LiveCell feed={deck.feed} id={id} field="lastPrice" decimals={decimalsOf(known[id]?.tickSize)} />
            <LiveCell feed={deck.feed} id={id} field="change" colour />
          </div>
        ))
      )}
    </Col>
  );
  return (
    <Card size="small" title={`Movers in ${list?.name ?? 'the watchlist'}`} data-testid="movers">
      {list && list.instruments.length > 0 ? (
        <Row gutter={16}>
          {side('Gainers', gainers)}
          {side('Losers', losers)}
        </Row>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="Add instruments to a watchlist to see its movers" />
      )}
    </Card>
  );
}
