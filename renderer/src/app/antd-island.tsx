/**
 * Where antd is used: an island that loads antd (its code, its stylesheet, our theme) only once
 * the gate opens. The shell, the status bar and the market watch column are plain elements that
 * need none of it, so a cold start draws them and their first prices first; antd, most of the
 * bundle, follows (`openAntd`: right after the first prices are drawn, or a moment after the
 * start if none come, or at once for the sign-in page). Until then an island shows its fallback.
 */
import { type CSSProperties, lazy, type ReactNode, Suspense } from 'react';

let open: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (open = resolve));

/** Lets every island load antd (idempotent). */
export function openAntd(): void {
  open();
}

const AntdScope = lazy(() => gate.then(() => import('./antd-scope')));

export function AntdIsland({ children, fallback = null, style }: { children: ReactNode; fallback?: ReactNode; style?: CSSProperties }) {
  return (
    <Suspense fallback={fallback}>
      <AntdScope style={style}>{children}</AntdScope>
    </Suspense>
  );
}

/** The fallback of a page or panel that is loading. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      {label}
    </div>
  );
}
