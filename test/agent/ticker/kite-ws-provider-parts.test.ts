import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoticeLimiter } from '../../../agent/ticker/kite/notice-limiter';
import { KiteSubscriptions, MAX_TOKENS_PER_MESSAGE, checkTokens } from '../../../agent/ticker/kite/subscriptions';
import { readTextFrame } from '../../../agent/ticker/kite/text-frame';

test('notice limiter lets a few through per window and reports what it held back', () => {
  let clock = 0;
  const limiter = new NoticeLimiter(2, 1000, () => clock);
  assert.equal(limiter.admit('a'), 'a');
  assert.equal(limiter.admit('b'), 'b');
  assert.equal(limiter.admit('c'), null);
  assert.equal(limiter.admit('d'), null);
  clock = 999;
  assert.equal(limiter.admit('e'), null);
  clock = 1000;
  assert.equal(limiter.admit('f'), 'f (3 similar notices suppressed)');
  assert.equal(limiter.admit('g'), 'g');
  assert.equal(limiter.admit('h'), null);
  clock = 5000;
  assert.equal(limiter.admit('i'), 'i (1 similar notice suppressed)');
});

test('token guard accepts positive int32 tokens only', () => {
  checkTokens([1, 256265, 0x7fff_ffff]);
  for (const bad of [0, -1, 0.5, 2 ** 31, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
    assert.throws(() => checkTokens([bad]), RangeError, String(bad));
  }
});

test('subscriptions: subscribe sends subscribe then mode, deduplicated', () => {
  const subs = new KiteSubscriptions();
  assert.deepEqual(subs.subscribe([5, 6, 5], 'full').map((m) => JSON.parse(m)), [
    { a: 'subscribe', v: [5, 6] },
    { a: 'mode', v: ['full', [5, 6]] },
  ]);
  assert.deepEqual(subs.subscribe([], 'ltp'), []);
  assert.throws(() => subs.subscribe([7], 'fast' as 'ltp'), RangeError);
  assert.equal(subs.modeOf(7), undefined, 'a refused call changes nothing');
  assert.throws(() => subs.subscribe([8, -8], 'ltp'), RangeError);
  assert.equal(subs.modeOf(8), undefined, 'a refused call changes nothing');
});

test('subscriptions: unsubscribe and setMode touch only subscribed tokens', () => {
  const subs = new KiteSubscriptions();
  subs.subscribe([1, 2], 'quote');
  assert.deepEqual(subs.setMode([2, 3], 'ltp').map((m) => JSON.parse(m)), [{ a: 'mode', v: ['ltp', [2]] }]);
  assert.equal(subs.modeOf(3), undefined);
  assert.deepEqual(subs.unsubscribe([1, 3]).map((m) => JSON.parse(m)), [{ a: 'unsubscribe', v: [1] }]);
  assert.deepEqual(subs.unsubscribe([1]), []);
  assert.equal(subs.size, 1);
});

test('subscriptions: replay subscribes everything, then one mode message per group, chunked', () => {
  const subs = new KiteSubscriptions();
  assert.deepEqual(subs.replay(), []);
  const many = Array.from({ length: MAX_TOKENS_PER_MESSAGE + 1 }, (_, i) => 1000 + i);
  subs.subscribe(many, 'ltp');
  subs.subscribe([7], 'full');
  subs.setMode([1000], 'full');
  const replay = subs.replay().map((m) => JSON.parse(m) as { a: string; v: unknown[] });
  assert.deepEqual(replay.map((m) => [m.a, m.a === 'mode' ? m.v[0] : m.v.length]), [
    ['subscribe', MAX_TOKENS_PER_MESSAGE],
    ['subscribe', 2],
    ['mode', 'full'],
    ['mode', 'ltp'],
  ]);
  assert.deepEqual(replay[2]!.v, ['full', [1000, 7]]);
  assert.equal((replay[3]!.v[1] as number[]).length, MAX_TOKENS_PER_MESSAGE);
  for (const message of subs.replay()) assert.ok(message.length < 16_000);
});

test('text frames: broker errors and messages pass, order updates are read, anything else is an error notice', () => {
  const cases: Array<[string, 'error' | 'message', RegExp]> = [
    ['{"type":"error","data":"Invalid mode"}', 'error', /^Invalid mode$/],
    ['{"type":"message","data":"hello"}', 'message', /^hello$/],
    ['{"type":"order","data":{"order_id":"7"}}', 'error', /^malformed order update from broker \(status: .*\): \{"order_id":"7"\}$/],
    ['{"type":"order","data":"COMPLETE"}', 'error', /^malformed order update from broker/],
    ['{"type":"order"}', 'error', /^malformed order update from broker \(.*\): null$/],
    ['{"type":"error","data":{"nested":true}}', 'error', /^\{"nested":true\}$/],
    ['{"type":"error"}', 'error', /^null$/],
    ['{"type":"bogus","data":1}', 'error', /^unknown text frame/],
    ['null', 'error', /^unknown text frame/],
    ['"just a string"', 'error', /^unknown text frame/],
    ['{"type":', 'error', /^unreadable text frame/],
    ['', 'error', /^unreadable text frame/],
  ];
  const notice = (text: string) => {
    const frame = readTextFrame(text);
    assert.equal(frame.kind, 'notice', text);
    return frame as Extract<typeof frame, { kind: 'notice' }>;
  };
  for (const [text, level, pattern] of cases) {
    assert.equal(notice(text).level, level, text);
    assert.match(notice(text).text, pattern, text);
  }
  assert.ok(notice(`{"type":"error","data":"${'x'.repeat(10_000)}"}`).text.length <= 501, 'long text is clipped');
  assert.ok(notice(`{"type":"order","data":{"order_id":"${'9'.repeat(10_000)}"}}`).text.length <= 600, 'a long malformed update is clipped');
  const order = readTextFrame('{"type":"order","data":{"order_id":"151220000000000","status":"COMPLETE","tag":"o1","quantity":5,"filled_quantity":5,"average_price":101.5,"extra":[1]}}');
  assert.deepEqual(order, {
    kind: 'order',
    order: { orderId: '151220000000000', status: 'COMPLETE', statusMessage: null, tag: 'o1', quantity: 5, filledQuantity: 5, averagePrice: 101.5 },
  });
});
