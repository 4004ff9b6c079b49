/**
 * What every algo holds and has in flight, per (algo, instrument) cell, and the money at risk of
 * each: a position's quantity × the distance from the mark to its stop (a stop on the profitable
 * side risks nothing; no stop: a share of the notional), plus the part of each order in flight
 * that would open or grow a position. Orders are walked in arrival order from the position, so
 * two orders that each only reduce a position cannot together flip it unnoticed. Totals per algo,
 * per instrument and for the portfolio are kept up to date as cells change, so a check reads
 * them, never sums the book.
 */
import { type OrderSide, sideSign } from '../../shared/order';

export interface InFlight {
  id: string;
  algo: string;
  instrument: string;
  side: OrderSide;
  /** Not yet filled. */
  remaining: number;
  /** Its limit price, or none (a market order: the mark). */
  price: number | null;
  stopLoss: number | null;
}

export interface Cell {
  algo: string;
  instrument: string;
  /** Signed: long above zero, short below. */
  quantity: number;
  averagePrice: number;
  realised: number;
  stopLoss: number | null;
  inFlight: InFlight[];
  /** Money at risk, as last computed. */
  risk: number;
  /** Whether it holds a position or an order in flight (it counts as an open position). */
  open: boolean;
  /** Whether anything of it ever filled (a flat position with its P&L is still a position). */
  traded: boolean;
}

const key = (algo: string, instrument: string) => `${algo}\u0000${instrument}`;

export class RiskBook {
  private readonly cells = new Map<string, Cell>();
  private readonly byInstrument = new Map<string, Set<Cell>>();
  private readonly byAlgo = new Map<string, Cell[]>();
  private readonly orders = new Map<string, InFlight>();
  private readonly marks = new Map<string, number>();
  private readonly algoRisk = new Map<string, number>();
  private readonly instrumentRisk = new Map<string, number>();
  private portfolio = 0;
  private readonly openByAlgo = new Map<string, number>();
  private openTotal = 0;

  constructor(private readonly fallbackRiskFraction = 0.02) {}

  markOf(instrument: string): number | undefined {
    return this.marks.get(instrument);
  }

  /** A new last price: the instrument's cells are valued again. */
  mark(instrument: string, price: number): void {
    this.marks.set(instrument, price);
    for (const cell of this.byInstrument.get(instrument) ?? []) this.revalue(cell);
  }

  cell(algo: string, instrument: string): Cell | undefined {
    return this.cells.get(key(algo, instrument));
  }

  allCells(): IterableIterator<Cell> {
    return this.cells.values();
  }

  /** Each algo with its cells. */
  cellsByAlgo(): ReadonlyMap<string, readonly Cell[]> {
    return this.byAlgo;
  }

  addInFlight(order: InFlight): void {
    const cell = this.cellFor(order.algo, order.instrument);
    const copy = { ...order };
    cell.inFlight.push(copy);
    this.orders.set(order.id, copy);
    this.revalue(cell);
  }

  /** The order is done (cancelled, rejected, filled): it holds nothing in flight any more. */
  removeInFlight(id: string): void {
    const order = this.orders.get(id);
    if (!order) return;
    this.orders.delete(id);
    const cell = this.cellFor(order.algo, order.instrument);
    cell.inFlight = cell.inFlight.filter((o) => o.id !== id);
    this.revalue(cell);
  }

  /** A fill of an order in flight: the position moves, realised P&L is booked on the part that closes. */
  fill(id: string, quantity: number, price: number, stopLoss?: number | null): void {
    const order = this.orders.get(id);
    if (!order) throw new Error(`no order ${id} in flight`);
    const filled = Math.min(quantity, order.remaining);
    order.remaining -= filled;
    const cell = this.cellFor(order.algo, order.instrument);
    if (filled > 0) cell.traded = true;
    const signed = sideSign(order.side) * filled;
    const before = cell.quantity;
    if (before === 0 || Math.sign(before) === Math.sign(signed)) {
      cell.averagePrice = (cell.averagePrice * Math.abs(before) + price * filled) / (Math.abs(before) + filled);
    } else {
      const closed = Math.min(Math.abs(before), filled);
      cell.realised += closed * (price - cell.averagePrice) * Math.sign(before);
      if (filled > Math.abs(before)) cell.averagePrice = price;
    }
    cell.quantity = before + signed;
    if (cell.quantity === 0) cell.averagePrice = 0;
    const stop = stopLoss === undefined ? order.stopLoss : stopLoss;
    if (stop !== null && cell.quantity !== 0) cell.stopLoss = stop;
    if (cell.quantity === 0) cell.stopLoss = null;
    if (order.remaining === 0) {
      this.orders.delete(id);
      cell.inFlight = cell.inFlight.filter((o) => o.id !== id);
    }
    this.revalue(cell);
  }

  /** The position once every order in flight fills. */
  projected(algo: string, instrument: string): number {
    const cell = this.cell(algo, instrument);
    if (!cell) return 0;
    return cell.inFlight.reduce((q, o) => q + sideSign(o.side) * o.remaining, cell.quantity);
  }

  risk(): number {
    return this.portfolio;
  }

  riskOfAlgo(algo: string): number {
    return this.algoRisk.get(algo) ?? 0;
  }

  riskOfInstrument(instrument: string): number {
    return this.instrumentRisk.get(instrument) ?? 0;
  }

  /** How much money at risk `order` would add to its cell, were it in flight. */
  addedRisk(order: Omit<InFlight, 'id'>): number {
    const cell = this.cell(order.algo, order.instrument);
    const mark = this.marks.get(order.instrument);
    if (!cell) return this.orderRisk({ ...order, id: '' }, order.remaining, mark);
    return this.cellRisk(cell, [...cell.inFlight, { ...order, id: '' }]) - cell.risk;
  }

  /** Cells with a position or an order in flight that would make one, by algo (or all). Kept, not counted. */
  openPositions(algo?: string): number {
    return algo === undefined ? this.openTotal : (this.openByAlgo.get(algo) ?? 0);
  }

  /** Whether `algo` holds or has in flight anything in `instrument` (an order there opens no new position). */
  holds(algo: string, instrument: string): boolean {
    return this.cell(algo, instrument)?.open === true;
  }

  /** Unrealised P&L of a cell at its mark (0 without one). */
  unrealised(cell: Cell): number {
    const mark = this.marks.get(cell.instrument);
    return mark === undefined || cell.quantity === 0 ? 0 : (mark - cell.averagePrice) * cell.quantity;
  }

  /** Money at risk per unit from `entry` to `stop` for a position of `direction`. */
  private perUnit(entry: number, stop: number | null, direction: number): number {
    if (stop === null) return this.fallbackRiskFraction * entry;
    return Math.max(0, direction * (entry - stop));
  }

  private orderRisk(order: InFlight, opening: number, mark: number | undefined): number {
    if (opening <= 0) return 0;
    const entry = order.price ?? mark;
    // An order with no price to value it by is refused before it gets here; worst case, whole notional is unknown.
    if (entry === undefined) return 0;
    return opening * this.perUnit(entry, order.stopLoss, sideSign(order.side));
  }

  private cellRisk(cell: Cell, inFlight: readonly InFlight[]): number {
    const mark = this.marks.get(cell.instrument);
    const reference = mark ?? cell.averagePrice;
    let risk = cell.quantity === 0 ? 0 : Math.abs(cell.quantity) * this.perUnit(reference, cell.stopLoss, Math.sign(cell.quantity));
    let position = cell.quantity;
    for (const order of inFlight) {
      const signed = sideSign(order.side) * order.remaining;
      const opening = position === 0 || Math.sign(signed) === Math.sign(position) ? Math.abs(signed) : Math.max(0, Math.abs(signed) - Math.abs(position));
      risk += this.orderRisk(order, opening, mark);
      position += signed;
    }
    return risk;
  }

  private revalue(cell: Cell): void {
    const open = cell.quantity !== 0 || cell.inFlight.some((o) => o.remaining > 0);
    if (open !== cell.open) {
      cell.open = open;
      const step = open ? 1 : -1;
      this.openTotal += step;
      this.openByAlgo.set(cell.algo, (this.openByAlgo.get(cell.algo) ?? 0) + step);
    }
    const next = this.cellRisk(cell, cell.inFlight);
    const delta = next - cell.risk;
    if (delta === 0) return;
    cell.risk = next;
    this.algoRisk.set(cell.algo, (this.algoRisk.get(cell.algo) ?? 0) + delta);
    this.instrumentRisk.set(cell.instrument, (this.instrumentRisk.get(cell.instrument) ?? 0) + delta);
    this.portfolio += delta;
  }

  private cellFor(algo: string, instrument: string): Cell {
    const k = key(algo, instrument);
    let cell = this.cells.get(k);
    if (!cell) {
      cell = { algo, instrument, quantity: 0, averagePrice: 0, realised: 0, stopLoss: null, inFlight: [], risk: 0, open: false, traded: false };
      this.cells.set(k, cell);
      let set = this.byInstrument.get(instrument);
      if (!set) this.byInstrument.set(instrument, (set = new Set()));
      set.add(cell);
      const own = this.byAlgo.get(algo);
      if (own) own.push(cell);
      else this.byAlgo.set(algo, [cell]);
    }
    return cell;
  }
}
