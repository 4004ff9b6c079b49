/**
 * The daily max-risk trend over the last N sessions (`GET /api/v1/risk/history`), on canvas with
 * lightweight-charts: each session's highest money at risk as a bar, its deepest drawdown as a
 * line. The chart is made once; a new answer that only moves today's figures updates the last
 * point in place (`update()`), anything else sets the data again. The legend follows the pointer,
 * else shows the latest session, with its P&L.
 */
import { ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi, LineSeries, LineStyle, type MouseEventParams, type Time } from 'lightweight-charts';
import { Card, Segmented, Space, Typography } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RiskDay } from '../../../../shared/risk';
import { useDeck, useSlice } from '../../app/deck';
import { useChartColours } from '../../components/chart-colours';
import { directionOf, formatPnl, formatRupees, formatRupeesCompact } from '../../format/numbers';

const RANGES = [7, 30, 90, 365] as const;
type Range = (typeof RANGES)[number];
/** Today's figures move as the day goes: asked again this often while the page is open. */
const REFRESH_MS = 30_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A session's date as the axis shows it: `02 Dec`. */
function dayLabel(time: Time): string {
  const date = typeof time === 'string' ? time : typeof time === 'number' ? new Date(time * 1000).toISOString().slice(0, 10) : `${time.year}-${String(time.month).padStart(2, '0')}-${String(time.day).padStart(2, '0')}`;
  return `${date.slice(8, 10)} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
}

interface Series {
  risk: ISeriesApi<'Histogram'>;
  drawdown: ISeriesApi<'Line'>;
}

function Legend({ day }: { day: RiskDay | undefined }) {
  if (!day) return <Typography.Text type="secondary">No sessions recorded yet.</Typography.Text>;
  return (
    <Space size={16} className="chart-legend" data-testid="trend-legend">
      <span className="num muted">{dayLabel(day.date as Time)} {day.date.slice(0, 4)}</span>
      <span>
        <i className="swatch risk" /> Highest at risk <b className="num">{formatRupees(day.maxMoneyAtRisk, 0)}</b>
      </span>
      <span>
        <i className="swatch drawdown" /> Deepest drawdown <b className="num">{formatRupees(day.maxDrawdown, 0)}</b>
      </span>
      <span>
        P&amp;L <b className={`num ${directionOf(Math.round(day.pnl * 100))}`}>{formatPnl(day.pnl, 0)}</b>
      </span>
    </Space>
  );
}

export function RiskTrendCard() {
  const deck = useDeck();
  const history = useSlice(deck.risk, (slice) => slice.history);
  const error = useSlice(deck.risk, (slice) => slice.historyError);
  const [range, setRange] = useState<Range>(30);
  const [hovered, setHovered] = useState<string | null>(null);
  const colours = useChartColours();
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<Series | null>(null);
  const drawn = useRef<string>('');
  const days = useMemo(() => [...(history ?? [])].reverse(), [history]);

  useEffect(() => {
    void deck.risk.getState().loadHistory(range);
    const timer = setInterval(() => void deck.risk.getState().loadHistory(range), REFRESH_MS);
    return () => clearInterval(timer);
  }, [deck, range]);

  // The chart is made once and restyled in place.
  useEffect(() => {
    const chart = createChart(container.current!, {
      autoSize: true,
      localization: { locale: 'en-IN', priceFormatter: (value: number) => formatRupeesCompact(value) },
      timeScale: { borderVisible: false, tickMarkFormatter: (time: Time) => dayLabel(time) },
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.12, bottom: 0 } },
      handleScroll: false,
      handleScale: false,
    });
    const risk = chart.addSeries(HistogramSeries, { priceLineVisible: false });
    const drawdown = chart.addSeries(LineSeries, { lineWidth: 2, lineStyle: LineStyle.Dashed, pointMarkersVisible: true, priceLineVisible: false, lastValueVisible: false });
    chartRef.current = chart;
    seriesRef.current = { risk, drawdown };
    const onMove = (param: MouseEventParams<Time>) => setHovered(typeof param.time === 'string' ? param.time : null);
    chart.subscribeCrosshairMove(onMove);
    return () => {
      chart.unsubscribeCrosshairMove(onMove);
      chart.remove();
      chartRef.current = null;
      seriesRef.current = null;
      drawn.current = '';
    };
  }, []);

  useEffect(() => {
    const css = getComputedStyle(document.documentElement);
    const riskColour = css.getPropertyValue('--risk').trim() || '#e8590c';
    chartRef.current?.applyOptions({
      layout: { background: { type: ColorType.Solid, color: colours.background }, textColor: colours.text, fontSize: 11, attributionLogo: false },
      grid: { vertLines: { visible: false }, horzLines: { color: colours.grid } },
    });
    seriesRef.current?.risk.applyOptions({ color: `${riskColour}cc` });
    seriesRef.current?.drawdown.applyOptions({ color: colours.down });
    drawn.current = '';
  }, [colours]);

  useEffect(() => {
    const series = seriesRef.current;
    if (!series) return;
    const point = (day: RiskDay) => ({ time: day.date as Time });
    // The same sessions as drawn, today's figures moved: only the last point changes.
    const key = days.map((day) => day.date).join(',');
    const last = days[days.length - 1];
    if (key === drawn.current && last) {
      series.risk.update({ ...point(last), value: last.maxMoneyAtRisk });
      series.drawdown.update({ ...point(last), value: last.maxDrawdown });
      return;
    }
    series.risk.setData(days.map((day) => ({ ...point(day), value: day.maxMoneyAtRisk })));
    series.drawdown.setData(days.map((day) => ({ ...point(day), value: day.maxDrawdown })));
    // The whole range asked for is shown, sessions at the right: a week of history reads as a week, not as a month.
    chartRef.current?.timeScale().setVisibleLogicalRange({ from: days.length - Math.max(range, days.length) - 0.5, to: days.length - 0.5 });
    drawn.current = key;
  }, [days, colours, range]);

  const shown = days.find((day) => day.date === hovered) ?? days[days.length - 1];
  return (
    <Card
      size="small"
      title="Daily highest money at risk"
      extra={<Segmented<Range> size="small" value={range} onChange={setRange} options={RANGES.map((value) => ({ value, label: `${value} d` }))} data-testid="trend-range" />}
      style={{ marginBottom: 10 }}
      data-testid="risk-trend"
    >
      <div style={{ minHeight: 22, marginBottom: 4 }}>{error ? <Typography.Text type="danger">The history could not be read: {error.message}</Typography.Text> : <Legend day={shown} />}</div>
      <div ref={container} style={{ height: 220, width: '100%', position: 'relative' }} data-testid="risk-trend-chart" data-days={days.length} />
    </Card>
  );
}
