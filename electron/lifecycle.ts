/**
 * The app's lifecycle rules, with Electron's objects passed in: one instance (a second launch
 * shows the first one's window), closing the window hides it to the tray, and quitting asks first
 * while the ticker runs, then stops the embedded agent before the app ends.
 */

type Preventable = { preventDefault(): void };

export interface SingleInstanceApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
}

/** True for the first instance (which shows its window on `second-instance`); a second one quits. */
export function singleInstance(app: SingleInstanceApp, showFirst: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', showFirst);
  return true;
}

export interface HideableWindow {
  on(event: 'close', listener: (event: Preventable) => void): unknown;
  hide(): void;
}

/** Closing hides the window (the agent, the ticker and the algos keep running) unless the app quits; its bounds are saved first either way. */
export function closeToTray(window: HideableWindow, quitting: () => boolean, remember: () => void): void {
  window.on('close', (event) => {
    remember();
    if (quitting()) return;
    event.preventDefault();
    window.hide();
  });
}

export interface QuittingApp {
  on(event: 'before-quit', listener: (event: Preventable) => void): unknown;
  quit(): void;
}

export interface QuitOptions {
  /** The question to ask first (null: quit without asking). */
  question(): string | null;
  /** Asks it; true to quit. */
  confirm(question: string): boolean;
  /** Stops the embedded agent and its processes. */
  stop(): Promise<void>;
}

/**
 * Every quit (the tray's, the OS's, a keyboard shortcut) waits: asked first when there is a
 * question, then the agent is stopped, then the app quits for real. Returns whether it is quitting.
 */
export function guardQuit(app: QuittingApp, options: QuitOptions): { quitting(): boolean } {
  let stopping = false;
  let done = false;
  app.on('before-quit', (event) => {
    if (done) return;
    event.preventDefault();
    if (stopping) return;
    const question = options.question();
    if (question !== null && !options.confirm(question)) return;
    stopping = true;
    void options
      .stop()
      .catch(() => undefined)
      .finally(() => {
        done = true;
        app.quit();
      });
  });
  return { quitting: () => stopping };
}
