/** Kite Connect's ticker limits, declared once: the ticker engine and the simulated market follow them. */
import type { ProviderLimits } from '../provider';

export const KITE_LIMITS: ProviderLimits = { instrumentsPerConnection: 3000, connectionsPerKey: 3 };
