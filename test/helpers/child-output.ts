/** A child process's output as tests read it: its text, its JSON lines (an SDK's log), and its exit. */
import type { ChildProcess } from 'node:child_process';

/** The lines of `text` that are JSON objects, parsed; any other line is skipped. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Collects a child's stdout and stderr as they come. */
export function captured(child: ChildProcess): { text: () => string; lines: () => Array<Record<string, unknown>> } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { text: () => `${out}\n${err}`, lines: () => jsonLines(out) };
}

/** How the child ended (at once if it already has). */
export function exited(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve([child.exitCode, child.signalCode]);
    else child.once('exit', (code, signal) => resolve([code, signal]));
  });
}
