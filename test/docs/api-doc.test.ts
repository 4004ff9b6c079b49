/** docs/API.md cannot drift from the contract: every method and topic is there, with its scope, and nothing else is. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { api } from '../../shared/contract/api';
import { topics } from '../../shared/contract/stream';
import { ERROR_STATUS } from '../../shared/errors';

const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');

/** The text of each `### ` section, by its heading. */
function sections(): Map<string, string> {
  const found = new Map<string, string>();
  const parts = doc.split(/^### /m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf('\n');
    found.set(part.slice(0, newline).trim(), part.slice(newline + 1).split(/^## /m)[0]!);
  }
  return found;
}

test('every method is documented under its verb and path, with its scope', () => {
  const all = sections();
  for (const [name, declaration] of Object.entries(api)) {
    const heading = [...all.keys()].find((h) => h.startsWith(`\`${declaration.method} ${declaration.path}`));
    assert.ok(heading, `docs/API.md has no "### \`${declaration.method} ${declaration.path}…\`" section for ${name}`);
    assert.match(all.get(heading)!, new RegExp(`Scope: \`${declaration.scope}\``), `the ${name} section states its scope, ${declaration.scope}`);
  }
});

test('every documented route is a method of the contract', () => {
  const declared = new Set(Object.values(api).map((d) => `${d.method} ${d.path}`));
  for (const heading of sections().keys()) {
    const route = /^`(GET|POST|PUT|DELETE) ([^?`]+)/.exec(heading);
    if (route) assert.ok(declared.has(`${route[1]} ${route[2]}`), `docs/API.md documents ${route[1]} ${route[2]}, which the contract does not declare`);
  }
});

test('every stream topic is documented with its scope and messages', () => {
  const all = sections();
  for (const [name, declaration] of Object.entries(topics)) {
    const body = all.get(`Topic \`${name}\``);
    assert.ok(body, `docs/API.md has no "### Topic \`${name}\`" section`);
    assert.match(body, new RegExp(`Scope: \`${declaration.scope}\``), `topic ${name} states its scope`);
    for (const type of declaration.messages) assert.ok(body.includes(`"type":"${type}"`), `topic ${name} documents its "${type}" message`);
  }
  for (const heading of all.keys()) {
    const topic = /^Topic `([^`]+)`/.exec(heading);
    if (topic) assert.ok(Object.hasOwn(topics, topic[1]!), `docs/API.md documents topic ${topic[1]}, which the contract does not declare`);
  }
});

test('every error code is in the table with its status', () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `error ${code} (${status}) is in the table`);
  }
});
