import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpCall } from '../../shared/client';
import { packMask, unpackMask } from '../../shared/masks';
import { WIRE_CONTENT_TYPE, encodeWire } from '../../shared/wire';
import { createApp, type App } from '../app';
import { SHARED_DATA, tempDir } from '../testing/paths';
import { allowedHostnames, hostnameOf, isLoopback, mediaTypeOf, startHttpBridge, type HttpBridge } from './http';

let app: App;
let bridge: HttpBridge;
let base: string;

beforeAll(async () => {
  app = createApp({ dataDir: tempDir() });
  bridge = await startHttpBridge(app, { rendererDir: tempDir() });
  base = `http://127.0.0.1:${bridge.port}`;
});
afterAll(async () => {
  await bridge.close();
  app.close();
});

const auth = () => ({ authorization: `Bearer ${bridge.token}` });
const countStudies = () => (app.context.db.prepare('SELECT COUNT(*) AS n FROM studies').get() as { n: number }).n;

describe('HTTP bridge', () => {
  it('binds to loopback and prints a URL carrying a long random token', () => {
    expect(bridge.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${bridge.port}/\\?token=[0-9a-f]{48}$`));
  });

  it('answers 401 to API requests without the token or with a wrong one, and runs nothing', async () => {
    expect((await fetch(`${base}/api/studies`)).status).toBe(401);
    expect((await fetch(`${base}/api/studies`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const res = await fetch(`${base}/api/studies/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: [SHARED_DATA] }) });
    expect(res.status).toBe(401);
    expect(countStudies()).toBe(0);
  });

  it('serves GET /api/studies with the token', async () => {
    const res = await fetch(`${base}/api/studies`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('rejects malformed and invalid bodies with a validation error before anything runs', async () => {
    const post = (body: string | Uint8Array, type = 'application/json') =>
      fetch(`${base}/api/studies/import`, { method: 'POST', headers: { ...auth(), 'content-type': type }, body: typeof body === 'string' ? body : Buffer.from(body) });
    const broken = await post('{"paths": [');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toMatch(/malformed request body/);
    const wrong = await post(JSON.stringify({ paths: 'LIDC' }));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: unknown }).error).toMatchObject({ code: 'validation', message: expect.stringMatching(/paths: /) });
    expect((await post(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), WIRE_CONTENT_TYPE)).status).toBe(400);
    expect((await post('paths=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect(countStudies()).toBe(0);
  });

  it('carries binary masks both ways in the wire format through the typed client', async () => {
    const api = createClient(httpCall(base, bridge.token));
    const { studies } = await api['studies.import']({ paths: [path.join(SHARED_DATA, 'lidc-sample', 'case-001')] });
    const rater = await api['raters.create']({ name: 'Dr. Wire' });
    const mask = new Uint8Array(128 * 128);
    mask.fill(1, 500, 900);
    const saved = await api['annotations.save']({ studyId: studies[0].id, sliceIndex: 0, raterId: rater.id, mask: packMask(mask), source: 'manual', baseRevision: 0 });
    expect(saved).toEqual({ revision: 1, unchanged: false });
    const got = await api['annotations.get']({ studyId: studies[0].id, sliceIndex: 0, viewerRaterId: rater.id, blinded: true });
    expect(got.hidden).toBe(4); // the four LIDC readers stay hidden until Dr. Wire marks the slice reviewed
    expect(Array.from(unpackMask(got.masks[0].mask, mask.length))).toEqual(Array.from(mask));
    await api['review.set']({ studyId: studies[0].id, sliceIndex: 0, raterId: rater.id, status: 'reviewed' });
    expect((await api['annotations.get']({ studyId: studies[0].id, sliceIndex: 0, viewerRaterId: rater.id, blinded: true })).masks).toHaveLength(5);
    const slice = await api['studies.slice']({ studyId: studies[0].id, sliceIndex: 0 });
    expect(slice.data).toBeInstanceOf(Uint8Array);
    await expect(api['studies.slice']({ studyId: studies[0].id, sliceIndex: 3 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a wire body whose blob points outside it', async () => {
    const body = encodeWire({ studyId: 1, sliceIndex: 0, raterId: 1, mask: new Uint8Array(8), source: 'manual', baseRevision: null });
    const truncated = body.subarray(0, body.length - 8);
    const res = await fetch(`${base}/api/annotations/save`, { method: 'POST', headers: { ...auth(), 'content-type': WIRE_CONTENT_TYPE }, body: Buffer.from(truncated) });
    expect(res.status).toBe(400);
  });

  it('serves the renderer with a strict content security policy and never files outside it', async () => {
    // Raw request: fetch would normalise the dots away before sending.
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: bridge.port, path: '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd' }, resolve));
    const text = await new Promise<string>((resolve) => {
      let s = '';
      res.on('data', (c) => (s += c)).on('end', () => resolve(s));
    });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(text).not.toContain('root:');
    expect(res.statusCode).toBe(404); // this test's renderer folder is empty: no index.html to fall back to
  });

  it('opens through one-time launch links that carry no token and work once', async () => {
    const first = bridge.launchUrl();
    const second = bridge.launchUrl();
    expect(first).not.toContain(bridge.token);
    expect(first).not.toBe(second);
    const open = (url: string) => fetch(url, { redirect: 'manual' });
    const opened = await open(first);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/?token=${bridge.token}`);
    expect((await open(first)).status).toBe(410);
    expect((await open(second)).status).toBe(303);
    expect((await open(`${base}/launch/${'0'.repeat(48)}`)).status).toBe(410);
    expect((await open(`${base}/launch/`)).status).toBe(410);
  });

  it('reads the bare media type and the host name from their headers', () => {
    expect(mediaTypeOf('application/json; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf(' Application/JSON ')).toBe('application/json');
    expect(mediaTypeOf('application/jsonfoo')).toBe('application/jsonfoo');
    expect(mediaTypeOf(undefined)).toBeUndefined();
    expect(hostnameOf('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostnameOf('[::1]:8080')).toBe('[::1]');
    expect(hostnameOf('LocalHost')).toBe('localhost');
    expect(hostnameOf('')).toBeUndefined();
    expect([...allowedHostnames('192.0.2.7')]).toEqual(['127.0.0.1', 'localhost', '[::1]', '192.0.2.7']);
    expect(allowedHostnames('fd00::2').has('[fd00::2]')).toBe(true);
  });

  it('treats only loopback peers as local', () => {
    for (const a of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', undefined]) expect(isLoopback(a)).toBe(false);
  });
});
