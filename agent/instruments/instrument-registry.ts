/** The instruments an agent knows, looked up by id or token, and searched by the dashboard. */
import { ApiError } from '../../shared/errors';
import type { Instrument } from '../../shared/instrument';

export class InstrumentRegistry {
  private byId = new Map<string, Instrument>();
  private byToken = new Map<number, Instrument>();
  /** Upper-cased search keys, made once per list rather than once per query. */
  private keys: SearchKey[] = [];

  constructor(instruments: Iterable<Instrument>) {
    this.replace(instruments);
  }

  /** Makes `instruments` the listed ones (a new download of the broker's list); throws, changing nothing, on a duplicate. */
  replace(instruments: Iterable<Instrument>): void {
    const byId = new Map<string, Instrument>();
    const byToken = new Map<number, Instrument>();
    for (const instrument of instruments) {
      if (byId.has(instrument.id)) throw new Error(`instrument ${instrument.id} is listed twice`);
      if (byToken.has(instrument.token)) throw new Error(`token ${instrument.token} is listed twice`);
      byId.set(instrument.id, instrument);
      byToken.set(instrument.token, instrument);
    }
    this.byId = byId;
    this.byToken = byToken;
    this.keys = [...byId.values()].map((instrument) => ({
      instrument,
      symbol: instrument.tradingsymbol.toUpperCase(),
      id: instrument.id.toUpperCase(),
      name: instrument.name.toUpperCase(),
    }));
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Instrument | undefined {
    return this.byId.get(id);
  }

  byTokenOf(token: number): Instrument | undefined {
    return this.byToken.get(token);
  }

  /** Ids that are not listed, in the order given. */
  unknown(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.byId.has(id));
  }

  /** Throws `unknown_instrument` naming every id that is not listed (the first few in the message). */
  requireKnown(ids: readonly string[], field = 'instruments'): void {
    const unknown = this.unknown(ids);
    if (unknown.length === 0) return;
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : '';
    throw new ApiError('unknown_instrument', `Unknown instrument${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}${more}.`, {
      field,
      details: { unknown },
    });
  }

  /**
   * Case-insensitive search over id, trading symbol and name: exact symbols first, then
   * symbol prefixes, then any match; list order within each group.
   */
  search(query: string | undefined, limit: number): Instrument[] {
    const q = query?.trim().toUpperCase() ?? '';
    if (q === '') return this.keys.slice(0, limit).map((key) => key.instrument);
    // Each group in list order, none kept beyond `limit` (an exact match may come last, so every key is read).
    const groups: [Instrument[], Instrument[], Instrument[]] = [[], [], []];
    for (const { instrument, symbol, id, name } of this.keys) {
      if (symbol === q || id === q) groups[0].push(instrument);
      else if (symbol.startsWith(q)) {
        if (groups[1].length < limit) groups[1].push(instrument);
      } else if (groups[2].length < limit && (id.includes(q) || name.includes(q))) groups[2].push(instrument);
    }
    return [...groups[0], ...groups[1], ...groups[2]].slice(0, limit);
  }
}

interface SearchKey {
  instrument: Instrument;
  symbol: string;
  id: string;
  name: string;
}
