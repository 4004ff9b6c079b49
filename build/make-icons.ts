/**
 * The desktop app's icons, drawn from the logo's geometry (the dashboard's favicon: a diamond in a
 * diamond) and written as PNGs to build/icons/: the app icon (512 px; electron-builder makes the
 * macOS and Windows formats from it) and the tray's state icons at 16 and 32 px (`@2x`, which
 * Electron picks on HiDPI screens). Deterministic, so a test can check the committed files.
 * Run: `node --import tsx build/make-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];

const BACKGROUND: Rgba = [15, 17, 21, 255];
const BLUE: Rgba = [59, 130, 246, 255];
/** The tray's states: live, wanting attention (a login, stale prices, stopped), no agent, trading halted. */
export const TRAY_COLOURS = { ok: BLUE, attention: [245, 158, 11, 255] as Rgba, down: [148, 163, 184, 255] as Rgba, halted: [239, 68, 68, 255] as Rgba };

/** One layer of a picture: whether a point (in 0..1 units) is inside, and its colour. */
interface Shape {
  inside(x: number, y: number): boolean;
  colour: Rgba;
}

const diamond = (half: number, colour: Rgba): Shape => ({ inside: (x, y) => Math.abs(x - 0.5) + Math.abs(y - 0.5) <= half, colour });

function roundedSquare(radius: number, colour: Rgba): Shape {
  return {
    colour,
    inside(x, y) {
      const dx = Math.max(radius - x, 0, x - (1 - radius));
      const dy = Math.max(radius - y, 0, y - (1 - radius));
      return dx * dx + dy * dy <= radius * radius;
    },
  };
}

/** Shapes painted in order at `size` px, each pixel sampled 4×4 times for smooth edges. */
function paint(size: number, shapes: readonly Shape[]): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let colour: Rgba | null = null;
          for (const shape of shapes) if (shape.inside(x, y)) colour = shape.colour;
          if (colour) {
            r += colour[0] * colour[3];
            g += colour[1] * colour[3];
            b += colour[2] * colour[3];
            a += colour[3];
          }
        }
      }
      const at = (py * size + px) * 4;
      pixels[at] = a === 0 ? 0 : Math.round(r / a);
      pixels[at + 1] = a === 0 ? 0 : Math.round(g / a);
      pixels[at + 2] = a === 0 ? 0 : Math.round(b / a);
      pixels[at + 3] = Math.round(a / (n * n));
    }
  }
  return pixels;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** RGBA pixels as a PNG (8 bits per channel, no filtering, zlib at its best). */
export function encodePng(size: number, pixels: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Every icon file: its name in build/icons/ and its bytes. */
export function renderIcons(): Record<string, Buffer> {
  const logo = (size: number) => encodePng(size, paint(size, [roundedSquare(7 / 32, BACKGROUND), diamond(11 / 32, BLUE), diamond(5 / 32, BACKGROUND)]));
  const files: Record<string, Buffer> = { 'icon.png': logo(512) };
  for (const [state, colour] of Object.entries(TRAY_COLOURS)) {
    // On a tray bar of any colour: the diamond alone, with a hole, in the state's colour.
    const tray = (size: number) => encodePng(size, paint(size, [diamond(0.5, colour), diamond(0.2, [0, 0, 0, 0])]));
    files[`tray-${state}.png`] = tray(16);
    files[`tray-${state}@2x.png`] = tray(32);
  }
  return files;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const dir = join(import.meta.dirname, 'icons');
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(renderIcons())) writeFileSync(join(dir, name), bytes);
}
