/**
 * Kite's ticker limits, declared once: the agent sizes its worker pool by them and the simulated
 * market enforces them. A request past them is refused whole by Kite, so the agent checks first.
 */
import type { ProviderLimits } from '../provider';

export const KITE_LIMITS: Readonly<ProviderLimits> = Object.freeze({ instrumentsPerConnection: 3000, connectionsPerKey: 3 });
