/** The antd theme for a choice and the OS's preference: dense, with antd's dark or light algorithm. */
import { useSyncExternalStore } from 'react';
import { theme, type ThemeConfig } from 'antd';
import type { ThemeChoice } from '../stores/settings-store';

const query = () => window.matchMedia('(prefers-color-scheme: dark)');

export function useOsDark(): boolean {
  return useSyncExternalStore(
    (listener) => {
      const media = query();
      media.addEventListener('change', listener);
      return () => media.removeEventListener('change', listener);
    },
    () => query().matches,
  );
}

export function resolveTheme(choice: ThemeChoice, osDark: boolean): 'dark' | 'light' {
  return choice === 'system' ? (osDark ? 'dark' : 'light') : choice;
}

export function antdTheme(mode: 'dark' | 'light'): ThemeConfig {
  return {
    // Styles come from antd's prebuilt stylesheet (imported once in main.tsx), themed through CSS
    // variables: no style is computed in the page at run time, which is most of a cold load's work.
    zeroRuntime: true,
    algorithm: mode === 'dark' ? [theme.darkAlgorithm, theme.compactAlgorithm] : [theme.defaultAlgorithm, theme.compactAlgorithm],
    token: {
      colorPrimary: '#3b82f6',
      borderRadius: 4,
      fontSize: 13,
      fontFamily: "Inter, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      ...(mode === 'dark' ? { colorBgBase: '#0f1115', colorBgLayout: '#0b0d11', colorBorderSecondary: '#1f242d' } : { colorBgLayout: '#f3f5f8' }),
    },
    components: {
      Layout: { headerHeight: 44, headerPadding: '0 12px', ...(mode === 'dark' ? { headerBg: '#12151b', siderBg: '#0f1115', bodyBg: '#0b0d11' } : { headerBg: '#ffffff', siderBg: '#ffffff' }) },
      Table: { cellPaddingBlockSM: 4, cellPaddingInlineSM: 6 },
    },
  };
}
