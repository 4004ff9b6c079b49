/**
 * A sparkline: the recent history of one figure as a small SVG line with its area, drawn from
 * the values as they are (no chart library for a few dozen tiny lines). `max` fixes the scale
 * (100 for percentages); without it the line fills its height.
 */
import { memo } from 'react';

export interface SparklineProps {
  values: readonly number[];
  width?: number;
  height?: number;
  max?: number;
  colour?: string;
  label: string;
}

export const Sparkline = memo(function Sparkline({ values, width = 120, height = 28, max, colour = 'var(--ad-primary)', label }: SparklineProps) {
  if (values.length < 2) return <svg width={width} height={height} role="img" aria-label={`${label}: no history yet`} className="sparkline" />;
  const top = Math.max(max ?? 0, ...values, 1e-9);
  const step = width / (values.length - 1);
  const points = values.map((value, i) => `${(i * step).toFixed(1)},${(height - 1 - (Math.max(0, value) / top) * (height - 2)).toFixed(1)}`);
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} className="sparkline">
      <polygon points={`0,${height} ${points.join(' ')} ${width},${height}`} fill={colour} opacity={0.15} />
      <polyline points={points.join(' ')} fill="none" stroke={colour} strokeWidth={1.25} strokeLinejoin="round" />
    </svg>
  );
});
