/**
 * What a hostile client sends before the API sees a request: everything Node's HTTP parser or
 * Fastify refuses is still answered in the API's own error shape, and the agent stays up.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { sleep, startTestAgent, type TestAgent, TEST_TOKEN, waitFor } from '../../helpers/test-agent';

let t: TestAgent;
before(async () => {
  t = await startTestAgent({ workers: 1 });
});
after(() => t.stop());

/** Sends raw bytes and reads until the server closes or goes quiet; returns the status and body. */
function raw(bytes: string): Promise<{ status: number | null; headers: string; body: string; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.agent.port, '127.0.0.1');
    let text = '';
    const done = () => {
      socket.destroy();
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      resolve({ status: match ? Number(match[1]) : null, headers: text.slice(0, split), body: split >= 0 ? text.slice(split + 4) : '', text });
    };
    socket.setTimeout(3000, done);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      // One answer is all we wait for: a keep-alive socket would otherwise stay open.
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split));
      if (split >= 0 && length && text.length >= split + 4 + Number(length[1])) done();
    });
    socket.on('end', done);
    socket.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? done() : reject(error)));
    socket.write(bytes, 'latin1');
  });
}

const auth = `Authorization: Bearer ${TEST_TOKEN}\r\n`;

test('requests the HTTP parser refuses get the API error shape, never a bare answer or none', async () => {
  const cases: Array<[string, string, number, string]> = [
    ['negative Content-Length', `POST /api/v1/ticker/subscriptions HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: -5\r\n\r\n{}`, 400, 'invalid_request'],
    ['unknown method', `FROB /api/v1/ticker HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, 400, 'invalid_request'],
    ['control bytes in a header', `GET /api/v1/ticker HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0001b\r\n${auth}\r\n`, 400, 'invalid_request'],
    ['garbage request line', 'this is not http\r\n\r\n', 400, 'invalid_request'],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'invalid_request'],
    ['Content-Length with chunked', `POST /api/v1/ticker/subscriptions HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, 400, 'invalid_request'],
    ['URL over 16 KiB', `GET /api/v1/quotes?instruments=${'NSE:INFY,'.repeat(2000)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, 431, 'headers_too_large'],
    ['64 KiB header', `GET /api/v1/ticker HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n${auth}\r\n`, 431, 'headers_too_large'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'method_not_allowed'],
  ];
  for (const [what, request, status, code] of cases) {
    const answer = await raw(request);
    assert.equal(answer.status, status, `${what}: ${answer.text.slice(0, 200)}`);
    assert.match(answer.headers, /content-type: application\/json/i, what);
    const body = JSON.parse(answer.body);
    assert.equal(body.error.code, code, what);
    assert.equal(typeof body.error.message, 'string', what);
  }
  assert.equal((await t.request('GET', '/api/v1/health')).status, 200, 'the agent is still up');
});

test('a socket that got an error answer is closed by the agent, even if the client never closes its side', async () => {
  for (const request of ['this is not http\r\n\r\n', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 'GET /nope HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n']) {
    const socket = connect({ port: t.agent.port, host: '127.0.0.1', allowHalfOpen: true });
    const closed = new Promise<string>((resolve) => {
      socket.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? 'error'));
      socket.on('close', () => resolve('closed'));
    });
    socket.on('data', () => undefined);
    socket.write(request);
    await new Promise((resolve) => socket.once('end', resolve)); // the answer, then the agent's FIN
    await sleep(100);
    // To a socket the agent closed, the first write draws a reset and the second fails (EPIPE);
    // to one it kept half-open, both are simply read.
    socket.write('more');
    await sleep(100);
    socket.write('more');
    const outcome = await Promise.race([closed, sleep(2000).then(() => 'still open')]);
    socket.destroy();
    assert.notEqual(outcome, 'still open', request.slice(0, 20));
  }
});

test('a body that is not JSON is 415, whatever its type says it is', async () => {
  for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
    const res = await t.request('POST', '/api/v1/ticker/subscriptions', { body: 'instruments=NSE:INFY', headers: { 'content-type': type } });
    assert.equal(res.status, 415, type);
    assert.equal(res.body.error.code, 'unsupported_media_type', type);
  }
  assert.deepEqual((await t.api.call('getTicker')).subscriptions, [], 'nothing was subscribed');
});

test('a body or query that is not an object of fields is refused', async () => {
  for (const body of ['[]', '"NSE:INFY"', '7', 'null']) {
    const res = await t.request('POST', '/api/v1/ticker/subscriptions', { body });
    assert.equal(res.status, 400, body);
    assert.ok(['invalid_request', 'invalid_json'].includes(res.body.error.code), body);
  }
});

test('bad percent-encoding in a query or a path is 400 in the API\'s shape', async () => {
  for (const path of ['/api/v1/%ZZ', '/api/v1/instruments/%E0%A4%A']) {
    for (const token of [null, TEST_TOKEN]) {
      const res = await t.request('GET', path, { token });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'invalid_request', path);
    }
  }
  for (const query of ['search=%ZZ', 'search=%E0%A4%A', 'se%rch=x', 'limit=5&search=%', 'search=x=%ZZ']) {
    const res = await t.request('GET', `/api/v1/instruments?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.error.code, 'invalid_request', query);
  }
  const fine = await t.request('GET', '/api/v1/instruments?search=NIFTY%2050&limit=5');
  assert.equal(fine.status, 200);
  assert.ok(fine.body.instruments.some((i: { id: string }) => i.id === 'NSE:NIFTY 50'));
});

test('10,000 quotes fit in a POST body; GET and POST answer alike', async () => {
  await t.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'] });
  await waitFor('both to tick', async () => Object.keys((await t.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes).length === 2);
  const many = [...Array.from({ length: 9_998 }, () => 'NSE:INFY'), 'NSE:TCS', 'NSE:SBIN'];
  const posted = await t.api.call('queryQuotes', { instruments: many });
  assert.deepEqual(Object.keys(posted.quotes).sort(), ['NSE:INFY', 'NSE:TCS'], 'SBIN is not ticking');
  const got = await t.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:SBIN'] });
  assert.deepEqual(Object.keys(got.quotes).sort(), ['NSE:INFY', 'NSE:TCS']);
  assert.equal(posted.quotes['NSE:INFY']!.token, got.quotes['NSE:INFY']!.token);
  const tooMany = await t.request('POST', '/api/v1/quotes', { body: JSON.stringify({ instruments: Array.from({ length: 10_001 }, () => 'NSE:INFY') }) });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.error.field, 'instruments');
  const unknown = await t.request('POST', '/api/v1/quotes', { body: '{"instruments":["NSE:NOPE"]}' });
  assert.equal(unknown.body.error.code, 'unknown_instrument');
});
