/**
 * A candle chart with volume, on canvas (TradingView's lightweight-charts): history from the
 * candles API, then the stream's `candles` topic updates the last bar in place (`update()`),
 * so history and live join with no gap. Times are shown in the exchange's zone.
 */
import { CandlestickSeries, ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import type { CandleInterval, Candle } from '../../../shared/candle';
import type { CandleUpdate } from '../../../shared/contract/stream';
import type { AgentConnection } from '../agent/agent-connection';
import { chartTime, zoneOffsetSeconds } from '../format/chart-time';
import { formatCompact, formatPrice } from '../format/numbers';
import { shownError, type ShownError } from '../stores/errors';

export interface ChartColours {
  up: string;
  down: string;
  text: string;
  grid: string;
  background: string;
}

export interface ChartState {
  loading: boolean;
  error: ShownError | null;
  warning: string | null;
  bars: number;
  /** The first bar's start, and the series it belongs to (for tests and the page's header). */
  first: string | null;
  series: string | null;
  last: Candle | null;
}

export function CandleChart(props: { agent: AgentConnection; instrument: string; interval: CandleInterval; colours: ChartColours; onState?: (state: ChartState) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<{ candles: ISeriesApi<'Candlestick'>; volume: ISeriesApi<'Histogram'> } | null>(null);
  const [state, setState] = useState<ChartState>({ loading: true, error: null, warning: null, bars: 0, first: null, series: null, last: null });
  const { agent, instrument, interval, colours, onState } = props;

  useEffect(() => onState?.(state), [state, onState]);

  // The chart is made once and restyled in place.
  useEffect(() => {
    const element = container.current!;
    const chart = createChart(element, {
      autoSize: true,
      localization: { locale: 'en-IN' }, timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 4 }, rightPriceScale: { borderVisible: false } });
    // Prices with Indian grouping; volumes in lakh and crore.
    const candles = chart.addSeries(CandlestickSeries, { borderVisible: false, priceFormat: { type: 'custom', formatter: (price: number) => formatPrice(price), minMove: 0.01 } });
    const volume = chart.addSeries(HistogramSeries, { priceScaleId: '', lastValueVisible: false, priceLineVisible: false, priceFormat: { type: 'custom', formatter: (value: number) => formatCompact(value), minMove: 1 } });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.24 } });
    chartRef.current = chart;
    seriesRef.current = { candles, volume };
    return () => {
      chart.remove();
      chartRef.current = null;
      seriesRef.current = null;
    };
  }, []);

  useEffect(() => {
    chartRef.current?.applyOptions({
      layout: { background: { type: ColorType.Solid, color: colours.background }, textColor: colours.text, fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: colours.grid }, horzLines: { color: colours.grid } },
    });
    seriesRef.current?.candles.applyOptions({ upColor: colours.up, downColor: colours.down, wickUpColor: colours.up, wickDownColor: colours.down });
  }, [colours]);

  useEffect(() => {
    const series = seriesRef.current;
    if (!series) return;
    let cancelled = false;
    let offset = 19_800;
    let lastTime = 0;
    const volumeColour = (candle: Candle) => (candle.close >= candle.open ? `${colours.up}66` : `${colours.down}66`);
    const draw = (candle: Candle) => {
      const time = chartTime(candle, offset);
      if (time < lastTime) return; // a late update of a bar already replaced
      lastTime = time;
      series.candles.update({ time, open: candle.open, high: candle.high, low: candle.low, close: candle.close });
      series.volume.update({ time, value: candle.volume, color: volumeColour(candle) });
    };
    const buffered: CandleUpdate[] = [];
    let loaded = false;
    const onUpdates = (updates: CandleUpdate[]) => {
      for (const update of updates) {
        if (update.instrument !== instrument || update.interval !== interval) continue;
        if (!loaded) buffered.push(update);
        else {
          draw(update.candle);
          // The page shows the bar count, not each update: only a closed bar changes what it shows.
          if (update.closed) setState((old) => ({ ...old, last: update.candle, bars: old.bars + 1 }));
        }
      }
    };
    const off = agent.stream.on('message', (message) => {
      if (message.type === 'candles') onUpdates(message.updates);
    });
    series.candles.setData([]);
    series.volume.setData([]);
    setState({ loading: true, error: null, warning: null, bars: 0, first: null, series: null, last: null });
    const selection = { series: [{ instrument, interval }] };
    // Subscribe first, then load: updates that arrive meanwhile are applied after the history.
    const subscribed = agent.stream.subscribe('candles', selection).catch(() => undefined);
    void (async () => {
      try {
        const result = await agent.api.call('getCandles', { instrument, interval });
        if (cancelled) return;
        offset = zoneOffsetSeconds(result.timeZone, new Date());
        const all = result.forming ? [...result.candles, result.forming] : result.candles;
        series.candles.setData(all.map((candle) => ({ time: chartTime(candle, offset), open: candle.open, high: candle.high, low: candle.low, close: candle.close })));
        series.volume.setData(all.map((candle) => ({ time: chartTime(candle, offset), value: candle.volume, color: volumeColour(candle) })));
        lastTime = all.length > 0 ? chartTime(all[all.length - 1]!, offset) : 0;
        loaded = true;
        for (const update of buffered.splice(0)) draw(update.candle);
        chartRef.current?.timeScale().scrollToRealTime();
        setState({
          loading: false,
          error: null,
          warning: result.warning?.message ?? null,
          bars: result.candles.length,
          first: all[0]?.time ?? null,
          series: `${instrument}:${interval}`,
          last: all[all.length - 1] ?? null,
        });
      } catch (error) {
        if (!cancelled) setState({ loading: false, error: shownError(error), warning: null, bars: 0, first: null, series: `${instrument}:${interval}`, last: null });
      }
    })();
    return () => {
      cancelled = true;
      off();
      void subscribed.then(() => agent.stream.unsubscribe('candles', selection).catch(() => undefined));
    };
  }, [agent, instrument, interval, colours.up, colours.down]);

  return <div ref={container} style={{ height: '100%', minHeight: 240, width: '100%', position: 'relative' }} data-testid="candle-chart" data-bars={state.bars} data-first={state.first ?? undefined} data-series={state.series ?? undefined} data-loading={state.loading || undefined} />;
}
