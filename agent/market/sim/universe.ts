/**
 * The simulated market's instruments: the NIFTY 50 stocks and two indices with their real Kite
 * instrument tokens (so a user's watchlist carries over to Kite unchanged), plus optional
 * generated instruments to load-test the ticker up to Kite's per-key limit (3 × 3000).
 */
import { instrumentId, roundToTick } from '../../../shared/instrument';
import type { Instrument } from '../../../shared/instrument';
import { SIM_SESSION } from '../../../shared/market-session';

export interface SimInstrument extends Instrument {
  /** Previous close: where the price process starts and what `change` is measured against. */
  basePrice: number;
  annualVolatility: number;
  /** Shares traded in a whole session; 0 for indices. */
  dailyVolume: number;
}

/** A simulated instrument as a broker lists it: its simulation parameters stay inside the sim. */
export function listed({ basePrice: _b, annualVolatility: _v, dailyVolume: _d, ...instrument }: SimInstrument): Instrument {
  return instrument;
}

export const NSE_SEGMENT = 1;
export const MAX_GENERATED = 9000;
/**
 * Generated tokens use exchange tokens from here up: NSE equity exchange tokens stay far below it,
 * and (900_000 + 9000) × 256 + 1 still fits Kite's int32 token field.
 */
export const GENERATED_EXCHANGE_TOKEN_BASE = 900_000;

type StockRow = readonly [symbol: string, token: number, name: string, price: number, vol: number, volume: number];

/**
 * NIFTY 50 constituents (after the September 2025 review and the Tata Motors demerger, which
 * renamed TATAMOTORS to TMPV on the same token). Token = NSE exchange token × 256 + 1.
 * Prices are rough late-2025 levels; volatility and volume are plausible, not measured.
 */
const NIFTY_50: readonly StockRow[] = [
  ['ADANIENT', 6401, 'ADANI ENTERPRISES', 2400, 0.4, 1_500_000],
  ['ADANIPORTS', 3861249, 'ADANI PORT & SEZ', 1450, 0.32, 2_500_000],
  ['APOLLOHOSP', 40193, 'APOLLO HOSPITALS ENTER. L', 7500, 0.26, 500_000],
  ['ASIANPAINT', 60417, 'ASIAN PAINTS', 2450, 0.22, 1_200_000],
  ['AXISBANK', 1510401, 'AXIS BANK', 1200, 0.24, 7_000_000],
  ['BAJAJ-AUTO', 4267265, 'BAJAJ AUTO', 9000, 0.25, 400_000],
  ['BAJAJFINSV', 4268801, 'BAJAJ FINSERV', 2050, 0.26, 1_000_000],
  ['BAJFINANCE', 81153, 'BAJAJ FINANCE', 1000, 0.3, 6_000_000],
  ['BEL', 98049, 'BHARAT ELECTRONICS', 410, 0.32, 15_000_000],
  ['BHARTIARTL', 2714625, 'BHARTI AIRTEL', 2050, 0.22, 5_000_000],
  ['CIPLA', 177665, 'CIPLA', 1530, 0.22, 1_500_000],
  ['COALINDIA', 5215745, 'COAL INDIA', 385, 0.28, 8_000_000],
  ['DRREDDY', 225537, 'DR. REDDY S LABORATORIES', 1250, 0.24, 2_000_000],
  ['EICHERMOT', 232961, 'EICHER MOTORS', 7000, 0.26, 600_000],
  ['ETERNAL', 1304833, 'ETERNAL', 300, 0.42, 40_000_000],
  ['GRASIM', 315393, 'GRASIM INDUSTRIES', 2750, 0.24, 800_000],
  ['HCLTECH', 1850625, 'HCL TECHNOLOGIES', 1550, 0.26, 3_000_000],
  ['HDFCBANK', 341249, 'HDFC BANK', 990, 0.2, 15_000_000],
  ['HDFCLIFE', 119553, 'HDFC LIFE INS CO', 760, 0.24, 3_000_000],
  ['HINDALCO', 348929, 'HINDALCO INDUSTRIES', 820, 0.32, 6_000_000],
  ['HINDUNILVR', 356865, 'HINDUSTAN UNILEVER', 2450, 0.2, 1_500_000],
  ['ICICIBANK', 1270529, 'ICICI BANK', 1380, 0.22, 10_000_000],
  ['INDIGO', 2865921, 'INTERGLOBE AVIATION', 5700, 0.3, 1_000_000],
  ['INFY', 408065, 'INFOSYS', 1550, 0.25, 7_000_000],
  ['ITC', 424961, 'ITC', 410, 0.2, 12_000_000],
  ['JIOFIN', 4644609, 'JIO FIN SERVICES', 300, 0.35, 15_000_000],
  ['JSWSTEEL', 3001089, 'JSW STEEL', 1150, 0.3, 2_000_000],
  ['KOTAKBANK', 492033, 'KOTAK MAHINDRA BANK', 2100, 0.22, 3_000_000],
  ['LT', 2939649, 'LARSEN & TOUBRO', 3900, 0.24, 2_000_000],
  ['M&M', 519937, 'MAHINDRA & MAHINDRA', 3600, 0.28, 2_500_000],
  ['MARUTI', 2815745, 'MARUTI SUZUKI INDIA', 16000, 0.24, 400_000],
  ['MAXHEALTH', 5728513, 'MAX HEALTHCARE INS', 1150, 0.3, 2_000_000],
  ['NESTLEIND', 4598529, 'NESTLE INDIA', 1250, 0.18, 1_000_000],
  ['NTPC', 2977281, 'NTPC', 330, 0.26, 12_000_000],
  ['ONGC', 633601, 'OIL AND NATURAL GAS CORP.', 245, 0.28, 12_000_000],
  ['POWERGRID', 3834113, 'POWER GRID CORP. LTD.', 290, 0.24, 12_000_000],
  ['RELIANCE', 738561, 'RELIANCE INDUSTRIES', 1500, 0.22, 10_000_000],
  ['SBILIFE', 5582849, 'SBI LIFE INSURANCE CO', 1950, 0.24, 1_000_000],
  ['SBIN', 779521, 'STATE BANK OF INDIA', 950, 0.25, 12_000_000],
  ['SHRIRAMFIN', 1102337, 'SHRIRAM FINANCE', 800, 0.34, 5_000_000],
  ['SUNPHARMA', 857857, 'SUN PHARMACEUTICAL IND L', 1750, 0.22, 2_500_000],
  ['TATACONSUM', 878593, 'TATA CONSUMER PRODUCT', 1150, 0.24, 1_500_000],
  ['TATASTEEL', 895745, 'TATA STEEL', 170, 0.32, 30_000_000],
  ['TCS', 2953217, 'TATA CONSULTANCY SERV LT', 3100, 0.22, 2_500_000],
  ['TECHM', 3465729, 'TECH MAHINDRA', 1500, 0.28, 2_000_000],
  ['TITAN', 897537, 'TITAN COMPANY', 3800, 0.24, 1_000_000],
  ['TMPV', 884737, 'TATA MOTORS PASS VEH', 400, 0.34, 10_000_000],
  ['TRENT', 502785, 'TRENT', 4300, 0.34, 1_000_000],
  ['ULTRACEMCO', 2952193, 'ULTRATECH CEMENT', 12000, 0.22, 300_000],
  ['WIPRO', 969473, 'WIPRO', 250, 0.26, 12_000_000],
];

/** Token = NSE exchange token × 256 + 9; both as in Kite's instrument dump. */
const INDICES: readonly StockRow[] = [
  ['NIFTY 50', 256265, 'NIFTY 50', 26000, 0.13, 0],
  ['NIFTY BANK', 260105, 'NIFTY BANK', 59000, 0.15, 0],
];

/**
 * NSE's price-band tick sizes for F&O stocks (revised April 2025; all NIFTY 50 stocks are in
 * F&O). NSE reviews them monthly; the sim fixes each from its base price.
 */
export function nseTickSize(price: number): number {
  if (price < 250) return 0.01;
  if (price <= 1000) return 0.05;
  if (price <= 5000) return 0.1;
  if (price <= 10_000) return 0.5;
  if (price <= 20_000) return 1;
  return 5;
}

function stock([symbol, token, name, basePrice, annualVolatility, dailyVolume]: StockRow): SimInstrument {
  return {
    id: instrumentId('NSE', symbol),
    token,
    exchange: 'NSE',
    tradingsymbol: symbol,
    name,
    segment: 'NSE',
    instrumentType: 'EQ',
    tickSize: nseTickSize(basePrice),
    lotSize: 1,
    tradable: true,
    session: SIM_SESSION,
    basePrice,
    annualVolatility,
    dailyVolume,
  };
}

function index(row: StockRow): SimInstrument {
  return {
    ...stock(row),
    // Kite lists indices as segment INDICES, instrument type EQ, lot size 0 and tick size 0.
    segment: 'INDICES',
    // Index levels are published to the paisa; the sim needs a non-zero grid to round to.
    tickSize: 0.01,
    // 0 as Kite lists it: an index cannot be traded, so any order quantity is invalid.
    lotSize: 0,
    tradable: false,
    session: SIM_SESSION,
    dailyVolume: 0,
  };
}

/** A tiny deterministic generator for the generated instruments' parameters (not market noise). */
function hashUnit(i: number, salt: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function generated(i: number): SimInstrument {
  const symbol = `SIM${String(i).padStart(4, '0')}`;
  // Log-uniform 20..5000 so every tick-size band below 5000 is exercised.
  const basePrice = Number((20 * Math.pow(250, hashUnit(i, 1))).toFixed(2));
  const tickSize = nseTickSize(basePrice);
  return {
    id: instrumentId('NSE', symbol),
    token: (GENERATED_EXCHANGE_TOKEN_BASE + i) * 256 + NSE_SEGMENT,
    exchange: 'NSE',
    tradingsymbol: symbol,
    name: `SIMULATED STOCK ${i}`,
    segment: 'NSE',
    instrumentType: 'EQ',
    tickSize,
    lotSize: 1,
    tradable: true,
    session: SIM_SESSION,
    basePrice: roundToTick(basePrice, tickSize),
    annualVolatility: 0.15 + 0.35 * hashUnit(i, 2),
    dailyVolume: Math.round(100_000 * Math.pow(200, hashUnit(i, 3))),
  };
}

/** The universe, indices first; with `generated: N`, N more stocks `NSE:SIM0001`… (same N → same list). */
export function buildUniverse(options: { generated?: number } = {}): SimInstrument[] {
  const count = options.generated ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > MAX_GENERATED) {
    throw new RangeError(`generated must be an integer from 0 to ${MAX_GENERATED}, got ${count}`);
  }
  const list = [...INDICES.map(index), ...NIFTY_50.map(stock)];
  for (let i = 1; i <= count; i++) list.push(generated(i));
  return list;
}
