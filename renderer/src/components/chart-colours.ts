/** The charts' colours: up and down from the palette the user chose, text and grid from antd's theme. */
import { theme as antdTheme } from 'antd';
import { useMemo } from 'react';
import { useSettings } from '../app/settings';
import type { ChartColours } from './candle-chart';

export function useChartColours(): ChartColours {
  const { token } = antdTheme.useToken();
  const palette = useSettings((slice) => slice.palette);
  const mode = useSettings((slice) => slice.theme);
  return useMemo(() => {
    const css = getComputedStyle(document.documentElement);
    return {
      up: css.getPropertyValue('--up').trim() || '#16a34a',
      down: css.getPropertyValue('--down').trim() || '#dc2626',
      text: token.colorTextSecondary,
      grid: token.colorBorderSecondary,
      background: token.colorBgContainer,
    };
    // The CSS variables follow the palette and theme attributes set on the document.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token, palette, mode]);
}
