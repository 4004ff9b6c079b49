/**
 * Writes a file only its owner may read (0600), whole: written beside it and renamed over it, so
 * a crash leaves the old file or the new one, never half of one.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  // The mode above is masked by the umask; this is not.
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** A file's text, or undefined when there is no such file (any other failure is thrown). */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
