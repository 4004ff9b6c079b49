/** The app:// scheme against a real folder: files served with their headers, and every way out refused. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveAppRequest } from '../../electron/app-protocol';

const base = mkdtempSync(join(tmpdir(), 'algodeck-app-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html>');
writeFileSync(join(root, 'assets', 'index-abc.js'), 'export {}');
writeFileSync(join(root, 'assets', 'a b.css'), 'body{}');
writeFileSync(join(base, 'secret.json'), '{"token":"x"}');
writeFileSync(join(root, 'notes.txt'), 'not a served type');
symlinkSync(join(base, 'secret.json'), join(root, 'assets', 'link.json'));
after(() => rmSync(base, { recursive: true, force: true }));
const CSP = "default-src 'self'";

test('the page and its assets, with the security headers; hashed assets cached, the page not', () => {
  const page = resolveAppRequest('GET', 'app://algodeck/', root, CSP);
  assert.equal(page.status, 200);
  assert.ok(page.status === 200 && page.file.endsWith('index.html'));
  assert.ok(page.status === 200 && page.headers['content-security-policy'] === CSP && page.headers['cache-control'] === 'no-store' && page.headers['x-content-type-options'] === 'nosniff');
  const script = resolveAppRequest('GET', 'app://algodeck/assets/index-abc.js?v=1#x', root, CSP);
  assert.ok(script.status === 200 && script.headers['content-type']?.startsWith('text/javascript') === true && script.headers['cache-control']?.includes('immutable') === true);
  assert.equal(resolveAppRequest('HEAD', 'app://algodeck/index.html', root, CSP).status, 200);
  assert.equal(resolveAppRequest('GET', 'app://algodeck/assets/a%20b.css', root, CSP).status, 200);
});

test('every way out of the folder, or off the app, is refused', () => {
  const cases: Array<[string, string, number]> = [
    ['POST', 'app://algodeck/index.html', 405],
    ['GET', 'app://algodeck/../secret.json', 404], // the URL parser removes the dot segments: it asks for /secret.json
    // Encoded dot segments are dot segments to the URL parser too: these ask for /secret.json inside.
    ['GET', 'app://algodeck/%2e%2e/secret.json', 404],
    ['GET', 'app://algodeck/assets/%2E%2E/%2E%2E/secret.json', 404],
    ['GET', 'app://algodeck/assets%2f..%2f..%2fsecret.json', 403],
    ['GET', 'app://algodeck/..%5csecret.json', 403],
    ['GET', 'app://algodeck/assets/index-abc.js%00.html', 403],
    ['GET', 'app://algodeck//etc/passwd', 403],
    ['GET', 'app://algodeck/C:/Windows/win.ini', 403],
    ['GET', 'app://algodeck/%E0%A4%A', 400],
    ['GET', 'app://algodeck/assets/link.json', 404],
    ['GET', 'app://algodeck/notes.txt', 404],
    ['GET', 'app://algodeck/assets', 404],
    ['GET', 'app://algodeck/missing.js', 404],
    ['GET', 'app://evil/index.html', 403],
    ['GET', 'app://user@algodeck/index.html', 403],
    ['GET', 'file:///etc/passwd', 403],
    ['GET', 'not a url', 400],
  ];
  for (const [method, url, status] of cases) assert.equal(resolveAppRequest(method, url, root, CSP).status, status, `${method} ${url}`);
});
