/** One instance, close to the tray, and a quit that asks first and stops the agent before the app ends. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { closeToTray, guardQuit, singleInstance } from '../../electron/lifecycle';

/** An event that can be prevented, as Electron passes to `close` and `before-quit`. */
class Preventable {
  prevented = false;
  preventDefault() {
    this.prevented = true;
  }
}

/** Electron's `app`: the lock, `quit` (which emits `before-quit` unless a listener prevents it) and events. */
class AppStandIn extends EventEmitter {
  quits = 0;
  ended = false;
  constructor(private readonly lock = true) {
    super();
  }
  requestSingleInstanceLock() {
    return this.lock;
  }
  quit() {
    this.quits++;
    const event = new Preventable();
    this.emit('before-quit', event);
    if (!event.prevented) this.ended = true;
  }
}

test('the first instance keeps the lock and shows its window on a second launch; a second one quits', () => {
  const first = new AppStandIn(true);
  let shown = 0;
  assert.equal(singleInstance(first, () => shown++), true);
  first.emit('second-instance');
  first.emit('second-instance');
  assert.equal(shown, 2);
  assert.equal(first.quits, 0);
  const second = new AppStandIn(false);
  assert.equal(singleInstance(second, () => shown++), false);
  assert.equal(second.quits, 1);
  assert.equal(second.listenerCount('second-instance'), 0);
});

test('closing hides the window to the tray (bounds saved), unless the app is quitting', () => {
  const window = Object.assign(new EventEmitter(), { hidden: 0, hide() { this.hidden++; } });
  let quitting = false;
  let saved = 0;
  closeToTray(window, () => quitting, () => saved++);
  const close = new Preventable();
  window.emit('close', close);
  assert.deepEqual([close.prevented, window.hidden, saved], [true, 1, 1]);
  quitting = true;
  const last = new Preventable();
  window.emit('close', last);
  assert.deepEqual([last.prevented, window.hidden, saved], [false, 1, 2], 'closed for real, bounds saved');
});

test('quitting while the ticker runs asks first; cancelled, nothing stops; confirmed, the agent stops and then the app ends', async () => {
  const app = new AppStandIn();
  const asked: string[] = [];
  let answer = false;
  let stops = 0;
  let finishStop: () => void = () => undefined;
  const guard = guardQuit(app, {
    question: () => 'The ticker is running. Quit anyway?',
    confirm: (question) => (asked.push(question), answer),
    stop: () => (stops++, new Promise<void>((resolve) => (finishStop = resolve))),
  });
  app.quit();
  assert.deepEqual([asked.length, stops, app.ended, guard.quitting()], [1, 0, false, false], 'cancelled');
  answer = true;
  app.quit();
  assert.deepEqual([asked.length, stops, app.ended, guard.quitting()], [2, 1, false, true], 'stopping: windows may close now');
  app.quit();
  assert.equal(stops, 1, 'a second quit while stopping neither asks nor stops again');
  assert.equal(asked.length, 2);
  finishStop();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(app.ended, true, 'the app ends once the agent stopped');
});

test('with nothing running it quits without asking; an agent that fails to stop does not keep the app open', async () => {
  const app = new AppStandIn();
  let asked = 0;
  guardQuit(app, { question: () => null, confirm: () => (asked++, false), stop: () => Promise.reject(new Error('already gone')) });
  app.quit();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual([asked, app.ended], [0, true]);
});
