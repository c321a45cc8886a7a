/**
 * What a person sees in the terminal when they run `npm start` (src/main.ts): a readable line with
 * the URL, one short line per request without headers, JSON when stdout is not a terminal, and a
 * plain message with a non-zero exit code when the port is taken.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url);

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  /** Resolves with the output once it matches `pattern`; rejects if the process ends first. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
}

function startMain(env: Record<string, string>): Started {
  const dir = mkdtempSync(join(tmpdir(), 'hash-report-terminal-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATABASE_PATH: join(dir, 'app.sqlite'), LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const changed = new EventTarget();
  const add = (d: Buffer) => {
    output += d.toString();
    changed.dispatchEvent(new Event('data'));
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  child.once('exit', () => {
    rmSync(dir, { recursive: true, force: true });
    changed.dispatchEvent(new Event('exit'));
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          changed.removeEventListener('data', check);
          resolve(match);
        }
      };
      changed.addEventListener('data', check);
      changed.addEventListener('exit', () => reject(new Error(`exited before ${pattern}:\n${output}`)), { once: true });
      check();
    });
  return { child, output: () => output, waitFor };
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  const [code] = (await once(started.child, 'exit')) as [number | null];
  return code;
}

describe('the terminal of a person running the app', () => {
  test('when the log is for a person (LOG_FORMAT=pretty), then start-up says where the app listens in one readable line and each request is one short line without headers', async () => {
    // Arrange
    const app = startMain({ LOG_FORMAT: 'pretty' });

    // Act
    const [, url = ''] = await app.waitFor(/^\d\d:\d\d:\d\d INFO {2}Hash Report is listening on (http:\/\/127\.0\.0\.1:\d+) /m);
    assert.equal((await fetch(`${url}/login?next=%2Freports`, { headers: { cookie: 'a=b', 'user-agent': 'terminal-test' } })).status, 200);
    const [requestLine = ''] = await app.waitFor(/^.*GET \/login.*$/m);
    const code = await stop(app);

    // Assert
    assert.equal(code, 0, app.output());
    assert.match(requestLine, /^\d\d:\d\d:\d\d INFO {2}GET \/login\?next=%2Freports 200 \d+ ms$/);
    assert.doesNotMatch(app.output(), /terminal-test|cookie|"level"/, 'no headers and no JSON in the readable log');
    const beforeListening = app.output().slice(0, app.output().indexOf('Hash Report is listening'));
    assert.ok(beforeListening.split('\n').filter(Boolean).length <= 2, `a short start:\n${beforeListening}`);
    assert.match(beforeListening, /applied \d+ database migrations/);
  });

  test('when stdout is not a terminal, then the log is JSON lines, and a request line has its id, method, path and status but no headers', async () => {
    // Arrange
    const app = startMain({});
    const [, url = ''] = await app.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"Hash Report is listening on /);

    // Act
    await fetch(`${url}/confirm-email?token=secret-token-value`, { headers: { 'user-agent': 'terminal-test' } });
    const [line = ''] = await app.waitFor(/^\{.*"msg":"GET \/confirm-email[^\n]*$/m);
    await stop(app);

    // Assert
    const entry = JSON.parse(line) as { req: Record<string, unknown>; res: Record<string, unknown>; msg: string };
    assert.deepEqual(Object.keys(entry.req).sort(), ['id', 'method', 'url']);
    assert.equal(entry.req.url, '/confirm-email?token=[Redacted]');
    assert.deepEqual(Object.keys(entry.res), ['statusCode']);
    assert.ok(line.length < 400, `a request line of ${line.length} characters: ${line}`);
    assert.doesNotMatch(app.output(), /terminal-test|secret-token-value/);
  });

  test('when the port is already in use, then the app says so plainly and exits with code 1', async () => {
    // Arrange: something else listens on the port first.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;

    // Act
    const app = startMain({ PORT: String(port) });
    const [code] = (await once(app.child, 'exit')) as [number | null];
    taken.close();

    // Assert
    assert.equal(code, 1, app.output());
    assert.match(app.output(), new RegExp(`Cannot start: port ${port} on 127\\.0\\.0\\.1 is already in use .*PORT=3001 npm start`));
    assert.doesNotMatch(app.output(), /TypeError|at .*\.ts:\d+/, 'no stack trace for a port in use');
  });
});
