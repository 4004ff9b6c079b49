/**
 * Starts a module in its own process and exchanges structured-clone messages with it.
 * `child_process` implements it here; the desktop shell adds an Electron `utilityProcess` one.
 */
export interface HostedProcess {
  readonly pid: number | undefined;
  /** Returns false when the process is gone and the message was not sent. */
  send(message: unknown): boolean;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has ended for any reason. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  /** A name for logs and process titles. */
  name: string;
  args?: string[];
  env?: Record<string, string>;
  /** Flags for the child's Node/V8 runtime, e.g. heap sizing. */
  nodeFlags?: string[];
}

export interface ProcessHost {
  /** `modulePath` is an absolute path to the entry module (.ts in development, .js when built). */
  spawn(modulePath: string, options: SpawnOptions): HostedProcess;
}

/** The child's side: how a hosted module talks to its parent, whatever the host. */
export interface ParentChannel {
  /** `onSent` runs once the message has left this process (at once where the host cannot tell). */
  send(message: unknown, onSent?: () => void): void;
  onMessage(listener: (message: unknown) => void): void;
}
