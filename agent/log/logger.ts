/**
 * The agent's logger: pretty lines for a person at a terminal, JSON lines for a machine (a pipe,
 * a file, a log shipper). Pretty printing runs in this process, synchronously, rather than as a
 * pino transport: a transport is a worker thread that loads its module by name, which breaks in
 * the bundled `dist/` tree and in Electron's utility process.
 */
import pino, { type LevelWithSilent, type Logger } from 'pino';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where log lines go; `isTTY` (as on `process.stdout`) decides what `auto` means. */
export type LogStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface LoggerOptions {
  level: LevelWithSilent;
  /** `auto` (the default): pretty on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: standard output. */
  stream?: LogStream;
}

/** What `format` means for a stream that is (or is not) a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'pretty' | 'json' {
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  return format;
}

export function createLogger({ level, format = 'auto', stream }: LoggerOptions): Logger {
  const isTTY = Boolean((stream ?? process.stdout).isTTY);
  if (resolveLogFormat(format, isTTY) === 'json') return stream ? pino({ level }, stream) : pino({ level });
  const prettyStream = pretty({
    sync: true,
    // Colour only where a terminal shows it (colorette also honours NO_COLOR and FORCE_COLOR).
    colorize: isTTY && pretty.isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    ...(stream ? { destination: stream } : {}),
  });
  return pino({ level }, prettyStream);
}
