/** The build's trimming of antd's stylesheet: rules of absent components go, nothing else does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statements, withoutComponents } from '../../renderer/vite-antd-css';

test('statements: blocks, at-rules and strings or comments holding braces and semicolons', () => {
  const css = `.a{color:red}@import "x;y";.b::before{content:"}{;"}/* } */.c{x:1}@media (min-width:1px){.d{y:2}.e{z:3}}`;
  const parsed = statements(css);
  assert.deepEqual(
    parsed.map((s) => s.prelude),
    ['.a', '@import "x;y"', '.b::before', '/* } */.c', '@media (min-width:1px)'],
  );
  assert.equal(parsed[2]!.body, 'content:"}{;"');
  assert.equal(parsed[4]!.body, '.d{y:2}.e{z:3}');
});

test('a rule goes only when every selector needs an absent component (not inside :not() or :is()); prefixes are whole words', () => {
  const css = [
    '.ant-picker{a:1}',
    '.ant-picker-dropdown .x{b:2}',
    '.ant-pickers{c:3}',
    '.ant-select,.ant-picker{d:4}',
    '.ant-select-tree-node{e:5}',
    '.ant-select-dropdown{f:6}',
    '.ant-btn:is(.ant-picker, .y){g:7}',
    '.ant-input:not(.ant-picker-input){k:11}',
    '.ant-picker:not(.z){l:12}',
    '@media (max-width:575px){.ant-picker{h:8}.ant-btn{i:9}}',
    '@media print{.ant-picker{j:10}}',
    '@keyframes antZoom{from{opacity:0}to{opacity:1}}',
    ':root{--ant-x:1}',
  ].join('');
  const out = withoutComponents(css, ['picker', 'select-tree']);
  assert.equal(
    out,
    [
      '.ant-pickers{c:3}',
      '.ant-select{d:4}',
      '.ant-select-dropdown{f:6}',
      '.ant-btn:is(.ant-picker, .y){g:7}',
      '.ant-input:not(.ant-picker-input){k:11}',
      '@media (max-width:575px){.ant-btn{i:9}}',
      '@keyframes antZoom{from{opacity:0}to{opacity:1}}',
      ':root{--ant-x:1}',
    ].join(''),
  );
});

test('nothing to drop leaves the sheet as it was', () => {
  const css = '.ant-picker{a:1}@media x{.b{c:2}}';
  assert.equal(withoutComponents(css, []), css);
});
