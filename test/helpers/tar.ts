/**
 * Tar archives written byte by byte, for tests of what an honest tool would never write: entries
 * named `../x` or `/etc/x`, links, devices. Each entry is a 512-byte ustar header and its data.
 */
import { gzipSync } from 'node:zlib';

export interface RawEntry {
  path: string;
  /** `0` file, `1` hard link, `2` symbolic link, `3` character device, `5` folder. */
  type?: '0' | '1' | '2' | '3' | '5';
  data?: string;
  linkTo?: string;
}

function field(header: Buffer, at: number, length: number, text: string): void {
  header.write(text, at, Math.min(length, Buffer.byteLength(text)), 'utf8');
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

export function rawTar(entries: readonly RawEntry[], gzip = true): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const header = Buffer.alloc(512);
    field(header, 0, 100, entry.path);
    field(header, 100, 8, octal(entry.type === '5' ? 0o755 : 0o644, 8));
    field(header, 108, 8, octal(0, 8));
    field(header, 116, 8, octal(0, 8));
    field(header, 124, 12, octal(entry.type === undefined || entry.type === '0' ? data.length : 0, 12));
    field(header, 136, 12, octal(1_700_000_000, 12));
    field(header, 148, 8, '        ');
    field(header, 156, 1, entry.type ?? '0');
    field(header, 157, 100, entry.linkTo ?? '');
    field(header, 257, 6, 'ustar\0');
    field(header, 263, 2, '00');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header);
    if (entry.type === undefined || entry.type === '0') {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const tar = Buffer.concat(blocks);
  return gzip ? gzipSync(tar) : tar;
}
