/** The algo's log: one JSON line per entry on stdout, which the agent keeps as the task's output. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** `{"time","level","msg",...fields}`; an Error among the fields is written as its message and stack. */
export function jsonLine(level: LogLevel, message: string, fields: LogFields = {}, now = new Date()): string {
  const entry: Record<string, unknown> = { time: now.toISOString(), level, msg: message };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'time' || key === 'level' || key === 'msg') continue;
    entry[key] = value instanceof Error ? { message: value.message, ...(value.stack ? { stack: value.stack } : {}) } : value;
  }
  try {
    return JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return JSON.stringify({ time: entry.time, level, msg: message, fields: 'not serialisable' });
  }
}

export function createLog(write: (line: string) => void = (line) => void process.stdout.write(line)): Log {
  const at = (level: LogLevel) => (message: string, fields?: LogFields) => write(`${jsonLine(level, message, fields)}\n`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
