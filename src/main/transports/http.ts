/**
 * The HTTP bridge ("browser mode"): serves the built renderer and the same API the Electron IPC bridge serves.
 * Loopback only by default, every /api request must carry the per-launch token, every body is validated by
 * the contract before any service runs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { api, type OpName } from '../../shared/api';
import { TOKEN_HEADER } from '../../shared/client';
import { ApiError, httpStatusOf } from '../../shared/errors';
import { WIRE_CONTENT_TYPE, containsTypedArray, decodeWire, encodeWire } from '../../shared/wire';
import type { App } from '../app';
import { CONTENT_SECURITY_POLICY } from '../security';

export interface HttpBridgeOptions {
  port?: number;
  /** 127.0.0.1 unless the administrator decides otherwise. */
  host?: string;
  /** Let non-loopback clients in (only with an explicit non-loopback host). */
  allowRemote?: boolean;
  rendererDir: string;
  token?: string;
  maxBodyBytes?: number;
}

export interface HttpBridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

const routes = new Map<string, OpName>((Object.keys(api) as OpName[]).map((op) => [`${api[op].http.method} /api${api[op].http.path}`, op]));

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const binary = containsTypedArray(body);
  const payload = binary ? encodeWire(body) : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': binary ? WIRE_CONTENT_TYPE : 'application/json; charset=utf-8', 'content-length': payload.byteLength, 'cache-control': 'no-store' });
  res.end(payload);
}

function sendError(res: http.ServerResponse, e: unknown): void {
  const err = ApiError.from(e);
  send(res, httpStatusOf[err.code], { error: err.toJSON() });
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError('validation', `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string): unknown {
  if (body.length === 0) return {};
  try {
    if (contentType.startsWith(WIRE_CONTENT_TYPE)) return decodeWire(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    if (contentType.startsWith('application/json')) return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ApiError('validation', `malformed request body: ${(e as Error).message}`);
  }
  throw new ApiError('validation', `unsupported content type "${contentType}" (send application/json or ${WIRE_CONTENT_TYPE})`);
}

function serveStatic(rendererDir: string, urlPath: string, res: http.ServerResponse): void {
  const rel = decodeURIComponent(urlPath).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(rendererDir, rel);
  const inside = file === rendererDir || file.startsWith(rendererDir + path.sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : path.join(rendererDir, 'index.html');
  if (!existsSync(target)) {
    send(res, 404, { error: { code: 'not_found', message: `the renderer is not built (${rendererDir}); run npm run build` } });
    return;
  }
  res.writeHead(200, { 'content-type': MIME[path.extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(target).pipe(res);
}

export async function startHttpBridge(app: App, options: HttpBridgeOptions): Promise<HttpBridge> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('hex');
  const rendererDir = path.resolve(options.rendererDir);
  const limit = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const remoteAllowed = Boolean(options.allowRemote) && !isLoopback(host);

  const server = http.createServer((req, res) => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    if (!remoteAllowed && !isLoopback(req.socket.remoteAddress)) {
      send(res, 403, { error: { code: 'unauthorized', message: 'this CalDiff bridge only answers this computer (loopback)' } });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: { code: 'validation', message: 'method not allowed' } });
      return serveStatic(rendererDir, url.pathname, res);
    }
    const given = (req.headers[TOKEN_HEADER] ?? '').toString().replace(/^Bearer\s+/i, '');
    if (!given || !sameToken(given, token)) {
      send(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong access token' } });
      return;
    }
    const op = routes.get(`${req.method} ${url.pathname}`);
    if (!op) {
      send(res, 404, { error: { code: 'not_found', message: `no API operation at ${req.method} ${url.pathname}` } });
      return;
    }
    readBody(req, limit)
      .then((body) => app.call(op, req.method === 'GET' ? {} : parseBody(body, req.headers['content-type'] ?? ''), { transport: 'http' }))
      .then((result) => send(res, 200, result))
      .catch((e: unknown) => sendError(res, e));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
