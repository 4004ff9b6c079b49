/**
 * A submitted algo: one script, or a bundle (`.tar.gz`, `.tgz`, `.tar`) of its files, unpacked
 * into a staging folder of the agent's own before it becomes a task's. A bundle is listed and
 * checked whole before anything is written: only files and folders, every path inside the
 * folder (no absolute path, no `..`, no link), within a count and a size; one bad entry refuses
 * the upload and nothing is left behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join, posix } from 'node:path';
import { list, extract } from 'tar';
import { ApiError } from '../../shared/errors';

export interface UploadLimits {
  /** Files and folders a bundle may hold (default 2,000). */
  maxEntries?: number;
  /** Bytes a bundle may unpack to (default 100 MiB). */
  maxUnpackedBytes?: number;
}

export interface StagedUpload {
  /** The folder holding the algo's files (to be moved into the task's own). */
  dir: string;
  /** The files it holds, as relative paths with `/`. */
  files: string[];
}

const BUNDLE = /\.(tar\.gz|tgz|tar)$/i;
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
/** How Python 3 is named on a platform: `python` on Windows (the installer's name), `python3` elsewhere. */
export function pythonFor(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'python' : 'python3';
}

/** The program that runs a script, by its extension. */
const RUNNERS: Record<string, string> = { '.py': pythonFor(), '.js': 'node', '.mjs': 'node', '.cjs': 'node', '.sh': 'sh' };

const refused = (message: string) => new ApiError('invalid_request', message, { field: 'file' });

/** Unpacks `file` into a new folder under `stagingRoot`; the caller moves or removes it. */
export async function stageUpload(file: { filename: string; data: Uint8Array }, stagingRoot: string, limits: UploadLimits = {}): Promise<StagedUpload> {
  mkdirSync(stagingRoot, { recursive: true, mode: 0o700 });
  const stage = join(stagingRoot, randomBytes(8).toString('hex'));
  const dir = join(stage, 'app');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    if (!BUNDLE.test(file.filename)) {
      writeFileSync(join(dir, file.filename), file.data, { mode: file.filename.endsWith('.sh') ? 0o700 : 0o600 });
      return { dir, files: [file.filename] };
    }
    const archive = join(stage, 'bundle');
    writeFileSync(archive, file.data, { mode: 0o600 });
    const files = await checkBundle(archive, limits);
    // Extracted only after the whole listing passed; the filter repeats the check, in case.
    await extract({ file: archive, cwd: dir, strict: true, preserveOwner: false, filter: (_path, entry) => 'type' in entry && (FILE_TYPES.has(entry.type) || entry.type === 'Directory') });
    rmSync(archive);
    return { dir, files };
  } catch (error) {
    rmSync(stage, { recursive: true, force: true });
    if (error instanceof ApiError) throw error;
    throw refused(`${file.filename} is not a readable bundle: ${(error as Error).message}`);
  }
}

/** Every entry of the archive checked; returns its files. */
async function checkBundle(archive: string, limits: UploadLimits): Promise<string[]> {
  const maxEntries = limits.maxEntries ?? 2000;
  const maxBytes = limits.maxUnpackedBytes ?? 100 * 1024 * 1024;
  const files: string[] = [];
  let entries = 0;
  let bytes = 0;
  let problem: string | undefined;
  await list({
    file: archive,
    strict: true,
    onReadEntry: (entry) => {
      if (problem !== undefined) return;
      entries++;
      bytes += entry.size ?? 0;
      const path = insidePath(entry.path);
      if (path === null) problem = `the bundle holds "${entry.path}", a path outside its folder`;
      else if (entry.type !== 'Directory' && !FILE_TYPES.has(entry.type)) problem = `the bundle holds "${entry.path}", a ${entry.type}: only files and folders are allowed`;
      else if (entries > maxEntries) problem = `the bundle holds more than ${maxEntries} files and folders`;
      else if (bytes > maxBytes) problem = `the bundle unpacks to more than ${Math.round(maxBytes / 1024 / 1024)} MiB`;
      else if (entry.type !== 'Directory' && path !== '') files.push(path);
    },
  });
  if (problem !== undefined) throw refused(`${problem}; nothing was unpacked.`);
  if (files.length === 0) throw refused('the bundle holds no files.');
  return files;
}

/** `path` as a relative path inside the folder (`./a/b` → `a/b`), or null when it would leave it. */
export function insidePath(path: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (path.includes('\\') || /[\x00-\x1f]/.test(path) || path.startsWith('/') || /^[A-Za-z]:/.test(path)) return null;
  const normal = posix.normalize(path).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) return null;
  if (path.split('/').includes('..')) return null;
  return normal === '.' ? '' : normal;
}

/** The file to run: the one named, or a bundle's only script at its top. */
export function chooseEntry(files: readonly string[], named: string | undefined): string {
  if (named !== undefined) {
    const path = insidePath(named);
    if (path === null || !files.includes(path)) throw new ApiError('invalid_request', `entry: "${named}" is not a file of the upload (it holds ${preview(files)})`, { field: 'entry' });
    return path;
  }
  if (files.length === 1) return files[0]!;
  const scripts = files.filter((file) => !file.includes('/') && extname(file).toLowerCase() in RUNNERS);
  if (scripts.length === 1) return scripts[0]!;
  throw new ApiError('invalid_request', `entry: name the file to run (${scripts.length === 0 ? `the bundle holds ${preview(files)}` : `one of ${preview(scripts)}`})`, { field: 'entry' });
}

/** The program for an entry, by its extension; null when the user must say. */
export function runnerFor(entry: string): string | null {
  return RUNNERS[extname(entry).toLowerCase()] ?? null;
}

function preview(files: readonly string[]): string {
  const shown = files.slice(0, 5).join(', ');
  return files.length > 5 ? `${shown} and ${files.length - 5} more` : shown;
}
