/**
 * Our theme for antd: dense (its compact algorithm), dark or light. The shell, drawn before antd
 * loads, has the same colours as CSS variables (`--ad-*` in styles.css; a test keeps them equal).
 */
import { theme, type ThemeConfig } from 'antd';

export function antdTheme(mode: 'dark' | 'light'): ThemeConfig {
  return {
    // Styles come from antd's prebuilt stylesheet, themed through CSS variables: no style is
    // computed in the page at run time, which is most of a cold load's work.
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
