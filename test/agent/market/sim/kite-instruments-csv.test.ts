import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INSTRUMENTS_CSV_HEADER, csvField, instrumentsCsv } from '../../../../agent/market/sim/kite-instruments-csv';
import type { EmulatedInstrument } from '../../../../agent/market/sim/instrument-listing';
import { buildUniverse } from '../../../../agent/market/sim/universe';

test('fields are quoted only when they must be', () => {
  const cases: Array<[string, string]> = [
    ['INFY', 'INFY'],
    ['LARSEN & TOUBRO', 'LARSEN & TOUBRO'],
    ['', ''],
    ['A, B', '"A, B"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ["DR. REDDY'S", "DR. REDDY'S"],
  ];
  for (const [text, written] of cases) assert.equal(csvField(text), written, JSON.stringify(text));
});

test('rows are written as Kite writes them: CRLF lines, exchange token, floats with a point', () => {
  const [nifty, , stock] = buildUniverse().map((i): EmulatedInstrument => ({ expiry: '', strike: 0, ...i }));
  const future: EmulatedInstrument = { ...stock!, id: 'NFO:ADANIENT26JANFUT', exchange: 'NFO', tradingsymbol: 'ADANIENT26JANFUT', token: 12_345_602, name: 'ADANI, "FUT"', segment: 'NFO-FUT', instrumentType: 'FUT', lotSize: 400, expiry: '2026-01-27', strike: 0 };
  const csv = instrumentsCsv([nifty!, stock!, future]);
  assert.equal(
    csv,
    [
      INSTRUMENTS_CSV_HEADER,
      '256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.01,0,EQ,INDICES,NSE',
      `${stock!.token},${stock!.token >> 8},${stock!.tradingsymbol},${stock!.name},0.0,,0.0,${stock!.tickSize},1,EQ,NSE,NSE`,
      '12345602,48225,ADANIENT26JANFUT,"ADANI, ""FUT""",0.0,2026-01-27,0.0,0.1,400,FUT,NFO-FUT,NFO',
      '',
    ].join('\r\n'),
  );
  assert.equal(instrumentsCsv([nifty!, stock!, future], 'NFO').split('\r\n').length, 3);
  assert.equal(instrumentsCsv([nifty!, stock!, future], 'MCX'), `${INSTRUMENTS_CSV_HEADER}\r\n`);
});
