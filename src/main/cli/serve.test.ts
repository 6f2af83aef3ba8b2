/**
 * `caldiff serve` as a hostile web page or a second process would meet it: the real command, its real HTTP
 * server and a real SQLite file. After every refusal the same server must still answer.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_CONTENT_TYPE } from '../../shared/wire';
import { REPO_ROOT, tempDir } from '../testing/paths';
import { errorOf, holdWriteLock, releaseWriteLock, peakRssBytes, request, serve, type Served } from '../testing/serve';

describe('caldiff serve under hostile requests', () => {
  let s: Served;
  const auth = () => ({ authorization: `Bearer ${s.token}`, host: `127.0.0.1:${s.port}` });
  const stillServing = async () => {
    expect(s.child.exitCode).toBeNull();
    expect((await request(s.port, { path: '/api/info', headers: auth() })).status).toBe(200);
  };

  beforeAll(async () => {
    s = await serve(['--no-demo']);
  });
  afterAll(() => {
    s.child.kill('SIGTERM');
  });

  it('answers malformed percent-encoding in a page path with 400, without a token, and keeps serving', async () => {
    const a = await request(s.port, { path: '/%E0%A4%A' });
    expect(a.status).toBe(400);
    expect(errorOf(a).message).toMatch(/percent-encoding/);
    await stillServing();
  });

  it('answers a failure with a foreign error code (ENOTDIR from the file system) as a 500 internal error and keeps serving', async () => {
    const file = path.join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const imported = await request(s.port, {
      method: 'POST',
      path: '/api/studies/import',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [path.join(REPO_ROOT, 'demo')] }),
    });
    expect(imported.status).toBe(200);
    const studyId = (JSON.parse(imported.body) as { studies: { id: number }[] }).studies[0].id;
    const a = await request(s.port, {
      method: 'POST',
      path: '/api/export/study',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ studyId, outDir: path.join(file, 'inside-a-file'), formats: ['report'] }),
    });
    expect(a.status).toBe(500);
    expect(errorOf(a)).toMatchObject({ code: 'internal', message: expect.stringMatching(/ENOTDIR/) });
    await stillServing();
  });

  it('answers only to loopback names and its own host, whatever the peer address (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${s.port}`, 'localhost.evil.example', '127.0.0.1.evil.example']) {
      const a = await request(s.port, { path: '/api/info', headers: { ...auth(), host } });
      expect(a.status, host).toBe(421);
      expect((await request(s.port, { path: '/', headers: { host } })).status, host).toBe(421);
    }
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, 'LOCALHOST', `[::1]:${s.port}`])
      expect((await request(s.port, { path: '/api/info', headers: { ...auth(), host } })).status, host).toBe(200);
    await stillServing();
  });

  it('takes application/json with parameters but refuses look-alike content types with 415', async () => {
    const post = (type: string) =>
      request(s.port, { method: 'POST', path: '/api/raters/create', headers: { ...auth(), 'content-type': type }, body: JSON.stringify({ name: 'Dr. Type' }) });
    expect((await post('application/json; charset=utf-8')).status).toBe(200);
    expect((await post('Application/JSON')).status).toBe(200);
    for (const type of ['application/jsonfoo', 'application/json-patch+json', 'text/plain', `${WIRE_CONTENT_TYPE}x`]) {
      const a = await post(type);
      expect(a.status, type).toBe(415);
      expect(errorOf(a).code).toBe('validation');
    }
    await stillServing();
  });

  it('refuses a wire body that references one 8 MiB blob 200 times, in bounded memory', async () => {
    const blob = 8 * 1024 * 1024;
    const ref = { $blob: 0, type: 'Uint8Array', byteLength: blob };
    const header = Buffer.from(JSON.stringify({ studyId: 1, sliceIndex: 0, raterId: 1, source: 'manual', baseRevision: null, mask: ref, again: Array(199).fill(ref) }));
    const base = (8 + header.length + 7) & ~7;
    const body = Buffer.alloc(base + blob);
    body.writeUInt32LE(0x31574443, 0);
    body.writeUInt32LE(header.length, 4);
    header.copy(body, 8);
    const before = peakRssBytes(s.child.pid!);
    const a = await request(s.port, { method: 'POST', path: '/api/annotations/save', headers: { ...auth(), 'content-type': WIRE_CONTENT_TYPE }, body });
    expect(a.status).toBe(400);
    expect(errorOf(a).message).toMatch(/overlap or repeat/);
    // 200 copies would be 1.6 GB; the body itself, its one concatenated copy and slack stay far below 256 MB more.
    expect(peakRssBytes(s.child.pid!) - before).toBeLessThan(256 * 1024 * 1024);
    await stillServing();
  });

  it('answers a write the store cannot take (another process holds it past the busy timeout) with a retryable 503, then succeeds', async () => {
    const holder = await holdWriteLock(s.dataDir);
    const create = () =>
      request(s.port, { method: 'POST', path: '/api/raters/create', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Dr. Busy' }) });
    const busy = await create();
    expect(busy.status).toBe(503);
    expect(errorOf(busy)).toMatchObject({ code: 'unavailable', retryable: true, message: expect.stringMatching(/store is busy.*try again/) });
    await stillServing();
    await releaseWriteLock(holder);
    expect((await create()).status).toBe(200);
  });
});

describe('caldiff serve --open', () => {
  it('hands the browser a one-time launch link, never the token, and the link works once', async () => {
    const bin = tempDir();
    const seen = path.join(bin, 'argv.json');
    // A stand-in for the desktop's browser launcher that records the command line it was given.
    writeFileSync(path.join(bin, 'xdg-open'), `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(path.join(bin, 'xdg-open'), 0o755);
    const s = await serve(['--no-demo', '--open'], { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    try {
      const argv = await waitForJson<string[]>(seen);
      expect(argv).toHaveLength(1);
      expect(argv.join(' ')).not.toContain(s.token);
      const launch = new URL(argv[0]);
      expect(launch.origin).toBe(`http://127.0.0.1:${s.port}`);
      const first = await request(s.port, { path: launch.pathname, headers: { host: launch.host } });
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe(`/?token=${s.token}`);
      const again = await request(s.port, { path: launch.pathname, headers: { host: launch.host } });
      expect(again.status).toBe(410);
      expect(again.body).not.toContain(s.token);
    } finally {
      s.child.kill('SIGTERM');
    }
  });
});

describe('caldiff serve shutting down', () => {
  it('stops a running triage and exits on SIGTERM, with nothing written into the closed store', async () => {
    const s = await serve(['--no-demo']);
    const headers = { authorization: `Bearer ${s.token}`, host: `127.0.0.1:${s.port}`, 'content-type': 'application/json' };
    const post = (route: string, body: unknown) => request(s.port, { method: 'POST', path: `/api${route}`, headers, body: JSON.stringify(body) });
    const imported = await post('/studies/import', { paths: [path.join(REPO_ROOT, 'demo')] });
    const studyId = (JSON.parse(imported.body) as { studies: { id: number }[] }).studies[0].id;
    const started = await post('/triage/start', { studyId, samples: 16 });
    expect(started.status).toBe(200);
    const jobId = (JSON.parse(started.body) as { id: string }).id;
    // SIGTERM once sampling is under way (a progress signal, not a delay).
    for (;;) {
      const job = JSON.parse((await post('/jobs/get', { jobId })).body) as { state: string; step: number; done: number };
      expect(job.state).toBe('running');
      if (job.step > 0 || job.done > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100)); // polling, not a timing assumption
    }
    const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(s.stderr()).not.toMatch(/unexpected error|database connection is not open/);
  });
});

/** Waits for a file another process writes, by watching for it rather than sleeping a fixed time. */
async function waitForJson<T>(file: string): Promise<T> {
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50)); // polling, not a timing assumption
    }
  }
}
