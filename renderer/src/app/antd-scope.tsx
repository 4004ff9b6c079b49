/**
 * antd, its stylesheet and our theme for it: loaded after the first prices (`antd-island.tsx`).
 * Each island is a ConfigProvider with antd's App (for `message` and `modal`), themed dense, with
 * antd's dark or light algorithm, following the user's choice and the OS.
 */
import { App, ConfigProvider } from 'antd';
import 'antd/dist/antd.css';
import type { CSSProperties, ReactNode } from 'react';
import { antdTheme } from './antd-theme';
import { useSettings } from './settings';
import { resolveTheme, useOsDark } from './theme';

export default function AntdScope({ children, style }: { children: ReactNode; style?: CSSProperties }) {
  const choice = useSettings((slice) => slice.theme);
  const mode = resolveTheme(choice, useOsDark());
  return (
    <ConfigProvider theme={antdTheme(mode)} componentSize="small">
      <App style={style}>{children}</App>
    </ConfigProvider>
  );
}
