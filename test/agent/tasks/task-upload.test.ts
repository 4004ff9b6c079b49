import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TaskInfo } from '../../../shared/task';
import { insidePath, pythonFor } from '../../../agent/tasks/task-upload';
import { rawTar } from '../../helpers/tar';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

let t: TestAgent;
before(async () => {
  t = await startTestAgent();
});
after(() => t.stop());

/** Posts an upload as a browser's form would. */
async function upload(spec: unknown, file?: { name: string; data: Uint8Array | string }, extra?: (form: FormData) => void) {
  const form = new FormData();
  if (spec !== undefined) form.append('spec', typeof spec === 'string' ? spec : JSON.stringify(spec));
  if (file) form.append('file', new Blob([file.data]), file.name);
  extra?.(form);
  const response = await fetch(`${t.agent.url}/api/v1/tasks/upload`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` }, body: form });
  return { status: response.status, body: (await response.json()) as TaskInfo & { error: { code: string; field?: string; message: string } } };
}
const taskCount = async () => ((await t.request('GET', '/api/v1/tasks')).body as { tasks: TaskInfo[] }).tasks.length;
const stagingLeft = () => {
  const staging = join(t.dataDir, 'tasks', '.uploads');
  return existsSync(staging) ? readdirSync(staging) : [];
};
const output = async (id: string) => ((await t.request('GET', `/api/v1/tasks/${id}/logs?stream=stdout`)).body as { lines: Array<{ text: string }> }).lines.map((l) => l.text);

test('a Python script is submitted, registered and started, with no SSH', async () => {
  const script = 'import os, sys\nprint("hello from", os.path.basename(os.getcwd()), sys.argv[1:])\n';
  const { status, body } = await upload({ name: 'py hello', args: ['--fast'], start: true, restart: { policy: 'never' } }, { name: 'hello.py', data: script });
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.command, 'python3');
  assert.deepEqual(body.args, ['hello.py', '--fast']);
  assert.equal(body.cwd, 'app');
  assert.equal(readFileSync(join(t.dataDir, 'tasks', body.id, 'app', 'hello.py'), 'utf8'), script);
  await waitFor('its output', async () => (await output(body.id)).includes("hello from app ['--fast']"), 10_000);
  assert.deepEqual(stagingLeft(), []);
});

test('a bundle is unpacked into the task’s folder and its entry runs', async () => {
  const bundle = rawTar([
    { path: 'algo/', type: '5' },
    { path: 'algo/main.mjs', data: "import { answer } from './lib/answer.mjs';\nconsole.log(`answer ${answer}`);\n" },
    { path: 'algo/lib/', type: '5' },
    { path: 'algo/lib/answer.mjs', data: 'export const answer = 42;\n' },
  ]);
  const { status, body } = await upload({ name: 'bundle', entry: 'algo/main.mjs', start: true, restart: { policy: 'never' } }, { name: 'algo.tgz', data: bundle });
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.command, 'node');
  assert.deepEqual(body.args, ['algo/main.mjs']);
  await waitFor('its output', async () => (await output(body.id)).includes('answer 42'));
  const missing = await upload({ name: 'no entry' }, { name: 'algo.tgz', data: bundle });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.field, 'entry');
  const wrong = await upload({ name: 'wrong entry', entry: '../etc/passwd' }, { name: 'algo.tgz', data: bundle });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.field, 'entry');
});

test('a bundle that reaches outside its folder is refused whole, and nothing is written', async () => {
  const before = await taskCount();
  const victim = join(tmpdir(), `algodeck-escape-${process.pid}`);
  const hostile: Array<[string, Buffer]> = [
    ['a parent path', rawTar([{ path: 'ok.py', data: 'print(1)' }, { path: '../escaped.py', data: 'evil' }])],
    ['a deep parent path', rawTar([{ path: 'a/b/../../../escaped.py', data: 'evil' }])],
    ['an absolute path', rawTar([{ path: `${victim}/abs.py`, data: 'evil' }])],
    ['a symbolic link', rawTar([{ path: 'link', type: '2', linkTo: '/etc/passwd' }, { path: 'main.py', data: 'print(1)' }])],
    ['a link out, then a file through it', rawTar([{ path: 'out', type: '2', linkTo: victim }, { path: 'out/x.py', data: 'evil' }])],
    ['a hard link', rawTar([{ path: 'main.py', data: 'print(1)' }, { path: 'hard', type: '1', linkTo: '/etc/passwd' }])],
    ['a device', rawTar([{ path: 'dev', type: '3' }])],
  ];
  for (const [what, data] of hostile) {
    const answer = await upload({ name: `hostile ${hostile.findIndex(([w]) => w === what)}`, command: 'node' }, { name: 'algo.tar.gz', data });
    assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error.field, 'file', what);
    assert.match(answer.body.error.message, /nothing was unpacked|outside|only files and folders/, what);
  }
  assert.equal(existsSync(join(t.dataDir, 'tasks', 'escaped.py')), false);
  assert.equal(existsSync(join(t.dataDir, 'escaped.py')), false);
  assert.equal(existsSync(victim), false);
  assert.equal(await taskCount(), before, 'no task registered');
  assert.deepEqual(stagingLeft(), [], 'no staging folder left');
  // Not an archive at all.
  const garbage = await upload({ name: 'garbage', command: 'node' }, { name: 'algo.tgz', data: 'this is not gzip' });
  assert.equal(garbage.status, 400);
  assert.equal(garbage.body.error.field, 'file');
});

test('Python runs by the name its platform gives it: python on Windows, python3 elsewhere', () => {
  assert.equal(pythonFor('win32'), 'python');
  assert.equal(pythonFor('linux'), 'python3');
  assert.equal(pythonFor('darwin'), 'python3');
});

test('bad uploads are refused with the part at fault, and change nothing', async () => {
  const before = await taskCount();
  const script = { name: 'x.py', data: 'print(1)' };
  const cases: Array<[string, Awaited<ReturnType<typeof upload>>, number, string | undefined]> = [
    ['no file', await upload({ name: 'nofile' }), 400, 'file'],
    ['spec not JSON', await upload('{"name":', script), 400, 'spec'],
    ['spec not an object', await upload('[1,2]', script), 400, 'spec'],
    ['a hidden file', await upload({ name: 'hidden' }, { name: '.bashrc', data: 'x' }), 400, 'file.filename'],
    ['an unknown extension, no command', await upload({ name: 'what' }, { name: 'algo.rb', data: 'puts 1' }), 400, 'command'],
    ['an unknown part', await upload({ name: 'extra' }, script, (form) => form.append('other', 'x')), 400, 'other'],
    ['a bad field', await upload({ name: 'bad', restart: { policy: 'sometimes' } }, script), 400, 'restart.policy'],
    ['a file in the spec', await upload({ name: 'sneaky', file: 'x' }, script), 400, 'file'],
    ['too large', await upload({ name: 'huge' }, { name: 'huge.py', data: new Uint8Array(10 * 1024 * 1024 + 1) }), 413, 'file'],
  ];
  for (const [what, answer, status, field] of cases) {
    assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
    if (field !== undefined) assert.equal(answer.body.error.field, field, what);
  }
  // A file name with folders keeps only its last part: the file lands in the task's folder.
  const slash = await upload({ name: 'slash' }, { name: '../../slash.py', data: 'print(1)' });
  assert.equal(slash.status, 201);
  assert.deepEqual(readdirSync(join(t.dataDir, 'tasks', slash.body.id, 'app')), ['slash.py']);
  const first = await upload({ name: 'taken' }, script);
  assert.equal(first.status, 201);
  const again = await upload({ name: 'TAKEN' }, script);
  assert.equal(again.status, 409);
  const json = await t.request('POST', '/api/v1/tasks/upload', { body: JSON.stringify({ name: 'json' }) });
  assert.equal(json.status, 415);
  const form = new FormData();
  form.append('spec', '{}');
  const multipartToJson = await fetch(`${t.agent.url}/api/v1/tasks`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` }, body: form });
  assert.equal(multipartToJson.status, 415);
  const stranger = await fetch(`${t.agent.url}/api/v1/tasks/upload`, { method: 'POST', body: new FormData() });
  assert.equal(stranger.status, 401);
  assert.equal(await taskCount(), before + 2);
  assert.deepEqual(stagingLeft(), []);
});

test('paths inside a bundle: hostile forms are refused', () => {
  for (const path of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\..\\x', '..', 'a/..', 'x\u0000y']) assert.equal(insidePath(path), null, path);
  assert.equal(insidePath('./a/b.py'), 'a/b.py');
  assert.equal(insidePath('a/'), 'a');
  assert.equal(insidePath('./'), '');
});
