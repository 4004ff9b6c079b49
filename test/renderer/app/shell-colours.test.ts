/**
 * The shell is drawn before antd loads, with its own colour variables (`--ad-*` in styles.css):
 * they must be the colours antd's algorithms give our theme, in light and in dark, or the shell
 * and the pages beside it would not match.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { theme } from 'antd';
import { antdTheme } from '../../../renderer/src/app/antd-theme';

const css = readFileSync(new URL('../../../renderer/src/styles.css', import.meta.url), 'utf8');

/** The `--ad-*` declarations of the first rule with exactly this selector. */
function variables(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  assert.ok(start >= 0, `styles.css has a ${selector} rule`);
  const body = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/--ad-([a-z-]+):\s*([^;]+);/g)].map((match) => [match[1]!, match[2]!.trim()]));
}

const TOKENS: Record<string, string> = {
  'bg-layout': 'colorBgLayout',
  'bg-container': 'colorBgContainer',
  text: 'colorText',
  'text-secondary': 'colorTextSecondary',
  'text-tertiary': 'colorTextTertiary',
  'border-secondary': 'colorBorderSecondary',
  'fill-secondary': 'colorFillSecondary',
  'fill-tertiary': 'colorFillTertiary',
  'fill-quaternary': 'colorFillQuaternary',
  primary: 'colorPrimary',
  'primary-bg': 'colorPrimaryBg',
  'primary-border': 'colorPrimaryBorder',
  warning: 'colorWarning',
  'warning-bg': 'colorWarningBg',
  'warning-border': 'colorWarningBorder',
  success: 'colorSuccess',
  'success-bg': 'colorSuccessBg',
  'success-border': 'colorSuccessBorder',
  error: 'colorError',
  'error-bg': 'colorErrorBg',
  'error-border': 'colorErrorBorder',
};

for (const [mode, selector] of [['light', ':root'], ['dark', ":root[data-theme='dark']"]] as const) {
  test(`the shell's ${mode} colours are antd's for our ${mode} theme`, () => {
    const config = antdTheme(mode);
    const token = theme.getDesignToken(config) as unknown as Record<string, string>;
    const expected: Record<string, string> = Object.fromEntries(Object.entries(TOKENS).map(([name, key]) => [name, String(token[key])]));
    expected['bg-header'] = String((config.components?.Layout as { headerBg: string }).headerBg);
    assert.deepEqual(variables(selector), expected);
  });
}

test('no shell rule uses a colour variable the theme does not define', () => {
  const defined = new Set(Object.keys(variables(':root')));
  const used = new Set([...css.matchAll(/var\(--ad-([a-z-]+)\)/g)].map((match) => match[1]!));
  assert.deepEqual([...used].filter((name) => !defined.has(name)), []);
  assert.equal(/var\(--ant-/.test(css), false, "the shell does not lean on antd's variables, absent until antd loads");
});
