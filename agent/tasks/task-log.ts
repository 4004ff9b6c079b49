/**
 * A task's output on disk: JSON lines in `output.log`, rotated by size into `output.1.log` …
 * `output.N.log`, so a chatty algo can never fill the disk. Lines carry their run, so one run's
 * output can be found again; reading scans from the newest line back and stops at what it needs.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { LogLine, LogStream } from '../../shared/task';

export interface TaskLogOptions {
  /** A file is rotated once it reaches this size (default 5 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 3). */
  keep?: number;
}

export interface LogQuery {
  tail: number;
  run?: number | undefined;
  search?: string | undefined;
  stream?: LogStream | undefined;
}

const STREAM_CODE: Record<LogStream, string> = { stdout: 'o', stderr: 'e', agent: 'a' };
const CODE_STREAM: Record<string, LogStream> = { o: 'stdout', e: 'stderr', a: 'agent' };

export class TaskLog {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly dir: string,
    options: TaskLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 3;
  }

  /** The files holding lines, newest first. */
  files(): string[] {
    return [join(this.dir, 'output.log'), ...Array.from({ length: this.keep }, (_, i) => join(this.dir, `output.${i + 1}.log`))];
  }

  /** Appends lines, a write per file: a file is rotated before a line would take it past its size. */
  append(lines: readonly LogLine[]): void {
    if (this.fd === undefined) this.open();
    let text = '';
    let bytes = 0;
    for (const line of lines) {
      const json = `${JSON.stringify({ t: line.time, r: line.run, s: STREAM_CODE[line.stream], m: line.text })}\n`;
      const length = Buffer.byteLength(json);
      if (this.size + bytes > 0 && this.size + bytes + length > this.maxBytes) {
        this.write(text, bytes);
        text = '';
        bytes = 0;
        this.rotate();
      }
      text += json;
      bytes += length;
    }
    this.write(text, bytes);
  }

  private write(text: string, bytes: number): void {
    if (bytes === 0) return;
    writeSync(this.fd!, text);
    this.size += bytes;
  }

  /** The last `tail` lines matching the query, oldest first. */
  read(query: LogQuery): LogLine[] {
    const found: LogLine[] = [];
    const needle = query.search?.toLowerCase();
    for (const file of this.files()) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      let end = text.length;
      while (end > 0 && found.length < query.tail) {
        const start = text.lastIndexOf('\n', end - 2) + 1;
        const line = parseLine(text.slice(start, end));
        end = start;
        if (!line) continue;
        if (query.run !== undefined && line.run !== query.run) continue;
        if (query.stream !== undefined && line.stream !== query.stream) continue;
        if (needle !== undefined && !line.text.toLowerCase().includes(needle)) continue;
        found.push(line);
      }
      if (found.length >= query.tail) break;
    }
    return found.reverse();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes and deletes every file. */
  remove(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private open(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.fd = openSync(join(this.dir, 'output.log'), 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    const files = this.files();
    try {
      unlinkSync(files[files.length - 1]!);
    } catch {
      // not there yet
    }
    for (let i = files.length - 2; i >= 0; i--) {
      try {
        renameSync(files[i]!, files[i + 1]!);
      } catch {
        // a gap in the series (a file removed by hand) is no reason to stop logging
      }
    }
    this.open();
  }
}

/** A stored line, or undefined for a torn or foreign one (the last line after a power cut). */
function parseLine(text: string): LogLine | undefined {
  if (text.length < 2) return undefined;
  try {
    const value = JSON.parse(text) as { t?: unknown; r?: unknown; s?: unknown; m?: unknown };
    const stream = typeof value.s === 'string' ? CODE_STREAM[value.s] : undefined;
    if (typeof value.t !== 'number' || typeof value.r !== 'number' || stream === undefined || typeof value.m !== 'string') return undefined;
    return { time: value.t, run: value.r, stream, text: value.m };
  } catch {
    return undefined;
  }
}

/**
 * Splits a process's output into lines: UTF-8 decoded across chunk boundaries, `\r\n` as `\n`,
 * and a line longer than `maxLine` characters cut into pieces, so a process that never writes a
 * newline cannot grow the agent's memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly maxLine = 16_384) {}

  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    const out: string[] = [];
    for (const line of lines) out.push(...this.cut(line.endsWith('\r') ? line.slice(0, -1) : line));
    while (this.partial.length > this.maxLine) {
      out.push(this.partial.slice(0, this.maxLine));
      this.partial = this.partial.slice(this.maxLine);
    }
    return out;
  }

  /** What is left without a newline, at the end of the output. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest.length > 0 ? this.cut(rest) : [];
  }

  private cut(line: string): string[] {
    if (line.length <= this.maxLine) return [line];
    const pieces: string[] = [];
    for (let at = 0; at < line.length; at += this.maxLine) pieces.push(line.slice(at, at + this.maxLine));
    return pieces;
  }
}
