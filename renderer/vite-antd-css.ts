/**
 * Keeps antd's prebuilt stylesheet (about 1 MB: every component) to what the dashboard can show.
 * The rules of the components listed below are dropped when the build bundles none of their
 * antd folders; everything else is kept. Every style recalculation in the page matches against
 * this sheet, so a smaller one makes every frame cheaper. A page that starts using one of these
 * components brings its folder into the bundle, and with it its rules: nothing to remember.
 */
import { createHash } from 'node:crypto';
import type { Plugin } from 'vite';

/** antd folders the dashboard does not use today, with the class prefixes their rules start with. */
const OPTIONAL: Record<string, string[]> = {
  affix: ['affix'],
  anchor: ['anchor'],
  avatar: ['avatar'],
  breadcrumb: ['breadcrumb'],
  calendar: ['picker-calendar'],
  carousel: ['carousel'],
  cascader: ['cascader'],
  collapse: ['collapse'],
  'color-picker': ['color-picker'],
  'date-picker': ['picker'],
  drawer: ['drawer'],
  'float-button': ['float-btn'],
  image: ['image'],
  masonry: ['masonry'],
  mentions: ['mentions'],
  progress: ['progress'],
  'qr-code': ['qrcode'],
  qrcode: ['qrcode'],
  rate: ['rate'],
  skeleton: ['skeleton'],
  slider: ['slider'],
  splitter: ['splitter'],
  steps: ['steps'],
  'time-picker': ['picker'],
  timeline: ['timeline'],
  tour: ['tour'],
  transfer: ['transfer'],
  tree: ['tree'],
  'tree-select': ['select-tree'],
  upload: ['upload'],
};

interface Statement {
  prelude: string;
  /** The block's content, or null for a statement ended by `;`. */
  body: string | null;
}

/** Top-level statements of a stylesheet (strings and comments respected). */
export function statements(css: string): Statement[] {
  const out: Statement[] = [];
  let start = 0;
  let i = 0;
  while (i < css.length) {
    const c = css[i]!;
    if (c === '"' || c === "'") i = css.indexOf(c, i + 1) + 1 || css.length;
    else if (c === '/' && css[i + 1] === '*') i = css.indexOf('*/', i + 2) + 2 || css.length;
    else if (c === ';') {
      out.push({ prelude: css.slice(start, i).trim(), body: null });
      start = ++i;
    } else if (c === '{') {
      let depth = 1;
      let j = i + 1;
      while (j < css.length && depth > 0) {
        const d = css[j]!;
        if (d === '"' || d === "'") j = css.indexOf(d, j + 1) + 1 || css.length;
        else if (d === '/' && css[j + 1] === '*') j = css.indexOf('*/', j + 2) + 2 || css.length;
        else {
          if (d === '{') depth++;
          else if (d === '}') depth--;
          j++;
        }
      }
      out.push({ prelude: css.slice(start, i).trim(), body: css.slice(i + 1, j - 1) });
      start = i = j;
    } else i++;
  }
  const rest = css.slice(start).trim();
  if (rest) out.push({ prelude: rest, body: null });
  return out.filter((statement) => statement.prelude !== '' || statement.body !== null);
}

/** Splits a selector list on its top-level commas. */
function selectors(prelude: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < prelude.length; i++) {
    const c = prelude[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(prelude.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(prelude.slice(start));
  return parts;
}

/** A selector without what is inside its parentheses and brackets. */
function outsideParentheses(selector: string): string {
  let depth = 0;
  let out = '';
  for (const c of selector) {
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += c;
  }
  return out;
}

/** The stylesheet without the rules every selector of which needs a dropped component's class. */
export function withoutComponents(css: string, dropped: readonly string[]): string {
  if (dropped.length === 0) return css;
  const dead = new RegExp(`\\.ant-(?:${dropped.map((prefix) => prefix.replace(/[-]/g, '\\-')).join('|')})(?![a-z0-9])`);
  const keep = (statement: Statement): string => {
    if (statement.body === null) return `${statement.prelude};`;
    if (statement.prelude.startsWith('@')) {
      // Blocks of rules (@media, @supports, @layer…) are filtered inside; others (@keyframes, @font-face) kept.
      if (/^@(media|supports|layer|container)\b/.test(statement.prelude)) {
        const inner = statements(statement.body).map(keep).join('');
        return inner === '' ? '' : `${statement.prelude}{${inner}}`;
      }
      return `${statement.prelude}{${statement.body}}`;
    }
    // Classes inside :not(), :is(), :where() and attribute brackets decide nothing on their own
    // (`.ant-input:not(.ant-picker-input)` matches all the more without pickers): only the rest counts.
    const alive = selectors(statement.prelude).filter((selector) => !dead.test(outsideParentheses(selector)));
    return alive.length === 0 ? '' : `${alive.join(',')}{${statement.body}}`;
  };
  return statements(css).map(keep).join('');
}

export function antdCssForUsedComponents(): Plugin {
  return {
    name: 'algodeck:antd-css-for-used-components',
    apply: 'build',
    // After the page (index.html) is written, so the renamed stylesheet can be named in it.
    enforce: 'post',
    // After Vite's own hooks have written the CSS files' names into the chunks (the preload
    // lists of lazy chunks included), so the renamed files are found everywhere.
    generateBundle: { order: 'post', handler(_options, bundle) {
      // The antd components whose entry module made it into the output (the module graph holds
      // every folder antd's index names, and a helper or locale of a component is not the component).
      const bundled = new Set<string>();
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        for (const [id, module] of Object.entries(file.modules)) {
          const match = /node_modules\/antd\/es\/([^/]+)\/index\.js$/.exec(id.replace(/\\/g, '/'));
          if (match && module.renderedLength > 0) bundled.add(match[1]!);
        }
      }
      const kept = new Set(Object.entries(OPTIONAL).flatMap(([folder, prefixes]) => (bundled.has(folder) ? prefixes : [])));
      const dropped = [...new Set(Object.values(OPTIONAL).flat())].filter((prefix) => !kept.has(prefix));
      const renamed = new Map<string, string>();
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue;
        const source = withoutComponents(typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source), dropped);
        // The name's hash was made from the whole sheet: a new one from what is served, so a
        // browser's immutable cache never keeps a sheet made for another set of components.
        const hash = createHash('sha256').update(source).digest('base64url').slice(0, 8);
        const name = file.fileName.replace(/-[A-Za-z0-9_-]+\.css$/, `-${hash}.css`);
        delete bundle[file.fileName];
        this.emitFile({ type: 'asset', fileName: name, source });
        renamed.set(file.fileName.slice(file.fileName.lastIndexOf('/') + 1), name.slice(name.lastIndexOf('/') + 1));
      }
      for (const file of Object.values(bundle)) {
        for (const [from, to] of renamed) {
          if (file.type === 'chunk') file.code = file.code.replaceAll(from, to);
          else if (typeof file.source === 'string') file.source = file.source.replaceAll(from, to);
        }
      }
    } },
  };
}
