/** Instruments for tests that build the agent's parts by hand. */
import type { Instrument } from '../../shared/instrument';
import { type MarketSession, NSE_EQUITY_SESSION } from '../../shared/market-session';

/** NSE:INFY as the broker lists it, trading in `session` (NSE's by default). */
export function infy(session: MarketSession = NSE_EQUITY_SESSION): Instrument {
  return {
    id: 'NSE:INFY', token: 408065, exchange: 'NSE', tradingsymbol: 'INFY', name: 'INFOSYS', segment: 'NSE',
    instrumentType: 'EQ', tickSize: 0.05, lotSize: 1, tradable: true, session,
  };
}
