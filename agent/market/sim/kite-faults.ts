/**
 * Fault switches, for tests of what a Kite client does when Kite misbehaves. The same actions
 * are callable in-process (`server.faults`) and over HTTP from another process
 * (`POST /_emulator/faults`, JSON, `Authorization: Bearer <apiSecret>`).
 */
import { z } from 'zod';
import { listInstrumentSchema, type EmulatedInstrument, type ListInstrumentInput } from './instrument-listing';

export interface KiteFaults {
  /** Every access token and pending request token stops working; open websockets are closed. */
  expireTokens(): void;
  /** Every websocket connection is cut without a close frame, as by a network failure. */
  dropConnections(): void;
  /** While on: websockets get no frames, not even heartbeats; REST requests wait unanswered. */
  silent(on: boolean): void;
  /** While on: every REST call is answered 500 GeneralException. */
  serverErrors(on: boolean): void;
  /** Delists instruments by id (`NFO:NIFTY25DECFUT`); returns the ids that were listed. */
  delist(ids: readonly string[]): string[];
  /** Lists an instrument, on a new token or on a delisted one's (Kite reuses expired contracts' tokens). */
  list(instrument: ListInstrumentInput): EmulatedInstrument;
  /** While off: orders change without a postback on the websockets (as when Kite's are lost). */
  postbacks(on: boolean): void;
  /** While on: placements are carried out but their answers are cut off, as by a network failure after Kite got the order. */
  loseOrderAnswers(on: boolean): void;
  /** Sends a text frame to every websocket connection (a broker's message, or a malformed order update); returns how many got it. */
  sendText(text: string): number;
}

/** What the admin route accepts: one action a request. */
export const faultActionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('expireTokens') }),
  z.strictObject({ action: z.literal('dropConnections') }),
  z.strictObject({ action: z.literal('silent'), on: z.boolean() }),
  z.strictObject({ action: z.literal('serverErrors'), on: z.boolean() }),
  z.strictObject({ action: z.literal('delist'), ids: z.array(z.string().max(100)).max(10_000) }),
  z.strictObject({ action: z.literal('list'), instrument: listInstrumentSchema }),
  z.strictObject({ action: z.literal('postbacks'), on: z.boolean() }),
  z.strictObject({ action: z.literal('loseOrderAnswers'), on: z.boolean() }),
  z.strictObject({ action: z.literal('sendText'), text: z.string().max(64 * 1024) }),
]);
export type FaultAction = z.infer<typeof faultActionSchema>;

/** Runs one action; what it returns is the admin route's `data`. */
export function runFault(faults: KiteFaults, action: FaultAction): unknown {
  switch (action.action) {
    case 'expireTokens':
      faults.expireTokens();
      return true;
    case 'dropConnections':
      faults.dropConnections();
      return true;
    case 'silent':
      faults.silent(action.on);
      return true;
    case 'serverErrors':
      faults.serverErrors(action.on);
      return true;
    case 'delist':
      return { delisted: faults.delist(action.ids) };
    case 'list':
      return { listed: faults.list(action.instrument) };
    case 'postbacks':
      faults.postbacks(action.on);
      return true;
    case 'loseOrderAnswers':
      faults.loseOrderAnswers(action.on);
      return true;
    case 'sendText':
      return { connections: faults.sendText(action.text) };
  }
}
