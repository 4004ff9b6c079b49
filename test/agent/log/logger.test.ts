import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { type LogFormat, createLogger, resolveLogFormat } from '../../../agent/log/logger';

/** A stream that keeps what is written to it, and claims to be a terminal or not. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join('') };
}

function logOnce(format: LogFormat, isTTY: boolean): string {
  const { stream, text } = capture(isTTY);
  const log = createLogger({ level: 'info', format, stream });
  log.info({ url: 'http://127.0.0.1:7420', workers: 3 }, 'AlgoDeck agent ready');
  log.debug('below the level');
  return text();
}

test('auto means pretty on a terminal and JSON otherwise; an explicit format wins', () => {
  assert.equal(resolveLogFormat('auto', true), 'pretty');
  assert.equal(resolveLogFormat('auto', false), 'json');
  for (const isTTY of [true, false]) {
    assert.equal(resolveLogFormat('json', isTTY), 'json');
    assert.equal(resolveLogFormat('pretty', isTTY), 'pretty');
  }
});

test('JSON lines when the stream is not a terminal (or JSON is asked for)', () => {
  for (const [format, isTTY] of [['auto', false], ['json', true], ['json', false]] as const) {
    const lines = logOnce(format, isTTY).trim().split('\n');
    assert.equal(lines.length, 1, `${format} on a ${isTTY ? 'terminal' : 'pipe'}`);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.msg, 'AlgoDeck agent ready');
    assert.equal(line.level, 30);
    assert.equal(line.url, 'http://127.0.0.1:7420');
    assert.equal(line.workers, 3);
  }
});

test('pretty output is human lines, without JSON braces or colour codes off a terminal', () => {
  for (const [format, isTTY] of [['auto', true], ['pretty', false], ['pretty', true]] as const) {
    const text = logOnce(format, isTTY);
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: AlgoDeck agent ready$/, text);
    assert.ok(lines.some((l) => /^\s+url: "http:\/\/127\.0\.0\.1:7420"$/.test(l)), text);
    assert.ok(lines.some((l) => /^\s+workers: 3$/.test(l)), text);
    assert.doesNotMatch(text, /[{}]/);
    assert.doesNotMatch(text, /below the level/);
    // The test runner's stdout is not a terminal, so colorette says no colour.
    assert.ok(!text.includes('\u001b['), text);
    assert.doesNotMatch(text, /pid|hostname/);
  }
});

test('the level applies in either format', () => {
  for (const format of ['json', 'pretty'] as const) {
    const { stream, text } = capture(false);
    const log = createLogger({ level: 'warn', format, stream });
    log.info('quiet');
    log.warn('loud');
    assert.doesNotMatch(text(), /quiet/);
    assert.match(text(), /loud/);
  }
});
