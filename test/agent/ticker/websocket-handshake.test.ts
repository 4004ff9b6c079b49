/** The client's opening handshake: the request it writes, and every answer it must refuse. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { openingHandshake, readUpgradeAnswer } from '../../../agent/ticker/websocket-handshake';

function acceptFor(request: string): string {
  const key = /\r\nSec-WebSocket-Key: (\S+)\r\n/.exec(request)![1]!;
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

test('the request asks for an upgrade of the path and query, with the headers given', () => {
  const { request, expectedAccept } = openingHandshake(new URL('ws://127.0.0.1:9000/feed?x=1'), { 'X-Kite-Version': '3' });
  assert.match(request, /^GET \/feed\?x=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:9000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n/);
  assert.match(request, /\r\nSec-WebSocket-Version: 13\r\nX-Kite-Version: 3\r\n\r\n$/);
  assert.equal(expectedAccept, acceptFor(request));
  assert.notEqual(openingHandshake(new URL('ws://h/'), {}).expectedAccept, openingHandshake(new URL('ws://h/'), {}).expectedAccept, 'a fresh key each time');
});

test('headers that could split the request are refused', () => {
  const unsendable: Array<Record<string, string>> = [{ 'X-A': 'b\r\nEvil: 1' }, { 'X A': 'b' }, { '': 'b' }, { 'X-A': 'b\n' }, { 'X:A': 'b' }];
  for (const headers of unsendable) {
    assert.throws(() => openingHandshake(new URL('ws://h/'), headers), /invalid HTTP header/, JSON.stringify(headers));
  }
});

test('only a 101 that upgrades to exactly what was asked is accepted', () => {
  const accept = 'c29tZS1hY2NlcHQ=';
  const head = (...lines: string[]) => ['HTTP/1.1 101 Switching Protocols', ...lines].join('\r\n');
  const good = ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
  assert.deepEqual(readUpgradeAnswer(head(...good), accept), { status: 101 });
  assert.deepEqual(readUpgradeAnswer(head('upgrade:  WebSocket', 'connection: keep-alive, Upgrade', `sec-websocket-accept: ${accept}`), accept), { status: 101 });
  assert.deepEqual(readUpgradeAnswer('HTTP/1.1 403 Forbidden\r\nContent-Length: 0', accept), { status: 403 });
  assert.deepEqual(readUpgradeAnswer('HTTP/1.1 429', accept), { status: 429 });
  const refused: Array<[string, RegExp]> = [
    ['SSH-2.0-OpenSSH', /not an HTTP response/],
    ['HTTP/1.0 101 Switching Protocols', /not an HTTP response/],
    ['HTTP/1.1 1010 Nope', /not an HTTP response/],
    [head('Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`), /Upgrade: websocket/],
    [head('Upgrade: h2c', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`), /Upgrade: websocket/],
    [head('Upgrade: websocket', 'Connection: keep-alive', `Sec-WebSocket-Accept: ${accept}`), /Connection: Upgrade/],
    [head('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: d3Jvbmc='), /wrong Sec-WebSocket-Accept/],
    [head('Upgrade: websocket', 'Connection: Upgrade'), /wrong Sec-WebSocket-Accept/],
    [head(...good, 'Sec-WebSocket-Extensions: permessage-deflate'), /extension/],
    [head(...good, 'Sec-WebSocket-Protocol: chat'), /subprotocol/],
  ];
  for (const [answer, reason] of refused) {
    const read = readUpgradeAnswer(answer, accept);
    assert.ok('error' in read, `accepted ${JSON.stringify(answer)}`);
    assert.match(read.error, reason);
  }
});
