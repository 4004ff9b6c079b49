/**
 * The fields of Kite's order calls, read from their form bodies as pure functions: each refusal
 * is Kite's InputException with a sentence naming the field. Unknown fields are ignored (the
 * official client repeats the path's variety and order id in the body).
 *
 * MARKET and SL-M orders without market protection are refused here, at placement, rather than
 * rejected after it: the rule needs nothing but the request, like every other check here, and a
 * client learns of it at once instead of through a postback.
 */
import { KiteError } from './kite-http';

export const ORDER_VARIETIES = ['regular', 'amo', 'co', 'iceberg', 'auction'] as const;
export const ORDER_TYPES = ['MARKET', 'LIMIT', 'SL', 'SL-M'] as const;
export const PRODUCTS = ['CNC', 'NRML', 'MIS', 'MTF'] as const;
const EXCHANGES = ['NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'BCD', 'MCX'] as const;
const SIDES = ['BUY', 'SELL'] as const;
const VALIDITIES = ['DAY', 'IOC', 'TTL'] as const;

export type KiteOrderType = (typeof ORDER_TYPES)[number];
export type KiteProduct = (typeof PRODUCTS)[number];

export interface PlaceForm {
  exchange: string;
  tradingsymbol: string;
  side: 'BUY' | 'SELL';
  orderType: KiteOrderType;
  quantity: number;
  product: KiteProduct;
  /** 0 when the type takes none. */
  price: number;
  triggerPrice: number;
  validity: 'DAY' | 'IOC';
  /** A percentage of the last price, or -1 for automatic; 0 for types that take none. */
  marketProtection: number;
  tag: string | null;
}

export type ModifyForm = Partial<Pick<PlaceForm, 'orderType' | 'quantity' | 'price' | 'triggerPrice' | 'validity' | 'marketProtection'>>;

/** The most shares one request may name before RMS looks at it (RMS refuses past 1,00,000). */
const MAX_QUANTITY = 1_000_000_000;
const NUMBER = /^-?\d{1,12}(\.\d{1,8})?$/;
const TAG = /^[A-Za-z0-9]{1,20}$/;
/** Kite's symbols: capitals, digits, and `-&_. ` (`M&M`, `BAJAJ-AUTO`, `NIFTY 50`). */
const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9&_.\- ]{0,49}$/;

function invalid(message: string): KiteError {
  return new KiteError(400, 'InputException', message);
}

/** One value of a field; a field sent twice is refused rather than guessed at. */
function field(fields: URLSearchParams, name: string): string | undefined {
  const values = fields.getAll(name);
  if (values.length > 1) throw invalid(`\`${name}\` is given more than once.`);
  return values[0] === '' ? undefined : values[0];
}

function required(fields: URLSearchParams, name: string): string {
  const value = field(fields, name);
  if (value === undefined) throw invalid(`Missing \`${name}\`.`);
  return value;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalid(`Invalid \`${name}\`: expected one of ${allowed.join(', ')}.`);
  return value as T;
}

function number(fields: URLSearchParams, name: string): number | undefined {
  const text = field(fields, name);
  if (text === undefined) return undefined;
  if (!NUMBER.test(text)) throw invalid(`Invalid \`${name}\`: ${JSON.stringify(text.slice(0, 40))} is not a number.`);
  return Number(text);
}

function quantity(fields: URLSearchParams, needed: boolean): number | undefined {
  const value = needed ? number(fields, 'quantity') ?? Number.NaN : number(fields, 'quantity');
  if (value === undefined) return undefined;
  if (!(Number.isInteger(value) && value >= 1 && value <= MAX_QUANTITY)) throw invalid('Invalid `quantity`: a whole number of at least 1.');
  return value;
}

/** The variety of a route; only regular orders are emulated. */
export function readVariety(variety: string): 'regular' {
  if (variety === 'regular') return variety;
  if ((ORDER_VARIETIES as readonly string[]).includes(variety)) throw invalid(`Orders of variety \`${variety}\` are not supported by the emulator: use \`regular\`.`);
  throw invalid(`Invalid order variety \`${variety.slice(0, 20)}\`.`);
}

/**
 * Price, trigger and market protection as the order type needs them: LIMIT and SL a price, SL and
 * SL-M a trigger, MARKET and SL-M a market protection other than 0; each absent where not taken.
 */
export function checkPrices(type: KiteOrderType, price: number | undefined, trigger: number | undefined, protection: number | undefined): Pick<PlaceForm, 'price' | 'triggerPrice' | 'marketProtection'> {
  const takesPrice = type === 'LIMIT' || type === 'SL';
  const takesTrigger = type === 'SL' || type === 'SL-M';
  const takesProtection = type === 'MARKET' || type === 'SL-M';
  if (takesPrice && !(price !== undefined && price > 0)) throw invalid(`A ${type} order needs a \`price\` above 0.`);
  if (!takesPrice && price !== undefined && price !== 0) throw invalid(`A ${type} order takes no \`price\`.`);
  if (takesTrigger && !(trigger !== undefined && trigger > 0)) throw invalid(`A ${type} order needs a \`trigger_price\` above 0.`);
  if (!takesTrigger && trigger !== undefined && trigger !== 0) throw invalid(`A ${type} order takes no \`trigger_price\`.`);
  if (protection !== undefined && protection !== -1 && !(protection >= 0 && protection <= 100)) {
    throw invalid('Invalid `market_protection`: a percentage from 0 to 100, or -1 for automatic.');
  }
  if (takesProtection && (protection === undefined || protection === 0)) {
    throw invalid(`${type} orders without market protection are not allowed: set \`market_protection\` (a percentage, or -1 for automatic) or place a LIMIT order.`);
  }
  return { price: takesPrice ? price! : 0, triggerPrice: takesTrigger ? trigger! : 0, marketProtection: takesProtection ? protection! : 0 };
}

/** `POST /orders/:variety`. */
export function readPlaceForm(fields: URLSearchParams): PlaceForm {
  const exchange = oneOf('exchange', required(fields, 'exchange'), EXCHANGES);
  const tradingsymbol = required(fields, 'tradingsymbol');
  if (!SYMBOL.test(tradingsymbol)) throw invalid('Invalid `tradingsymbol`.');
  const side = oneOf('transaction_type', required(fields, 'transaction_type'), SIDES);
  const orderType = oneOf('order_type', required(fields, 'order_type'), ORDER_TYPES);
  const product = oneOf('product', required(fields, 'product'), PRODUCTS);
  const validity = oneOf('validity', field(fields, 'validity') ?? 'DAY', VALIDITIES);
  if (validity === 'TTL') throw invalid('Orders of validity `TTL` are not supported by the emulator: use DAY or IOC.');
  const tag = field(fields, 'tag') ?? null;
  if (tag !== null && !TAG.test(tag)) throw invalid('Invalid `tag`: at most 20 letters and digits.');
  return {
    exchange,
    tradingsymbol,
    side,
    orderType,
    quantity: quantity(fields, true)!,
    product,
    ...checkPrices(orderType, number(fields, 'price'), number(fields, 'trigger_price'), number(fields, 'market_protection')),
    validity,
    tag,
  };
}

/** `PUT /orders/:variety/:order_id`: what it changes, each field as placement checks it. */
export function readModifyForm(fields: URLSearchParams): ModifyForm {
  const form: ModifyForm = {};
  const orderType = field(fields, 'order_type');
  if (orderType !== undefined) form.orderType = oneOf('order_type', orderType, ORDER_TYPES);
  const validity = field(fields, 'validity');
  if (validity !== undefined) {
    const value = oneOf('validity', validity, VALIDITIES);
    if (value === 'TTL') throw invalid('Orders of validity `TTL` are not supported by the emulator: use DAY or IOC.');
    form.validity = value;
  }
  const size = quantity(fields, false);
  if (size !== undefined) form.quantity = size;
  const price = number(fields, 'price');
  if (price !== undefined) form.price = price;
  const trigger = number(fields, 'trigger_price');
  if (trigger !== undefined) form.triggerPrice = trigger;
  const protection = number(fields, 'market_protection');
  if (protection !== undefined) form.marketProtection = protection;
  return form;
}
