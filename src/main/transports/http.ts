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
  /**
   * A URL that opens the workstation once, without the token in it: GET it within LAUNCH_TTL_MS and it
   * redirects to the page with the token; after that (or a second time) it is refused. For `--open`, whose
   * browser command line other users of the computer can read.
   */
  launchUrl(): string;
  close(): Promise<void>;
}

export const LAUNCH_TTL_MS = 60_000;
const LAUNCH_PREFIX = '/launch/';

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
  if (res.headersSent) {
    res.destroy(); // an answer had started (a streamed file): all that is left is to cut it short
    return;
  }
  const binary = containsTypedArray(body);
  const payload = binary ? encodeWire(body) : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': binary ? WIRE_CONTENT_TYPE : 'application/json; charset=utf-8', 'content-length': payload.byteLength, 'cache-control': 'no-store' });
  res.end(payload);
}

function sendError(res: http.ServerResponse, e: unknown): void {
  const err = ApiError.from(e);
  if (err.code === 'internal') console.error(`caldiff serve: ${err.message}`);
  send(res, httpStatusOf[err.code], { error: err.toJSON() });
}

/** The bare media type of a Content-Type header: "application/json; charset=utf-8" is "application/json". */
export function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';', 1)[0].trim().toLowerCase();
}

const BODY_TYPES = new Set(['application/json', WIRE_CONTENT_TYPE]);

/** The names this server answers to: loopback, plus the host it was told to listen on. */
export function allowedHostnames(host: string): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host];
  return new Set(names.map((n) => n.toLowerCase()));
}

/** An IP address as it appears in a Host header (the address a connection arrived on is always a valid name). */
function addressName(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const v4 = address.replace(/^::ffff:(?=\d+\.)/, '');
  return v4.includes(':') ? `[${v4.toLowerCase()}]` : v4;
}

/**
 * The Host header's name without its port, or undefined when there is none. Checking it defeats DNS rebinding:
 * a page on evil.example that rebinds its name to 127.0.0.1 still sends "Host: evil.example".
 */
export function hostnameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':', 1)[0];
  return name ? name.toLowerCase() : undefined;
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

function parseBody(body: Buffer, mediaType: string | undefined): unknown {
  if (body.length === 0) return {};
  try {
    if (mediaType === WIRE_CONTENT_TYPE) return decodeWire(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    if (mediaType === 'application/json') return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ApiError('validation', `malformed request body: ${(e as Error).message}`);
  }
  throw new ApiError('validation', `a request body needs a content type (send application/json or ${WIRE_CONTENT_TYPE})`);
}

function decodedPath(urlPath: string): string | undefined {
  try {
    return decodeURIComponent(urlPath);
  } catch {
    return undefined; // malformed percent-encoding
  }
}

function serveStatic(rendererDir: string, urlPath: string, res: http.ServerResponse): void {
  const decoded = decodedPath(urlPath);
  if (decoded === undefined) return send(res, 400, { error: { code: 'validation', message: 'malformed percent-encoding in the path' } });
  const rel = decoded.replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(rendererDir, rel);
  const inside = file === rendererDir || file.startsWith(rendererDir + path.sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : path.join(rendererDir, 'index.html');
  if (!existsSync(target)) {
    send(res, 404, { error: { code: 'not_found', message: `the renderer is not built (${rendererDir}); run npm run build` } });
    return;
  }
  res.writeHead(200, { 'content-type': MIME[path.extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(target)
    .on('error', () => res.destroy())
    .pipe(res);
}

export async function startHttpBridge(app: App, options: HttpBridgeOptions): Promise<HttpBridge> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('hex');
  const rendererDir = path.resolve(options.rendererDir);
  const limit = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const remoteAllowed = Boolean(options.allowRemote) && !isLoopback(host);

  const hostnames = allowedHostnames(host);
  const launches = new Map<string, number>(); // one-time launch nonce -> expiry (ms since epoch)

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    if (!remoteAllowed && !isLoopback(req.socket.remoteAddress)) {
      send(res, 403, { error: { code: 'unauthorized', message: 'this CalDiff bridge only answers this computer (loopback)' } });
      return;
    }
    const hostname = hostnameOf(req.headers.host);
    if (!hostname || !(hostnames.has(hostname) || hostname === addressName(req.socket.localAddress))) {
      send(res, 421, { error: { code: 'unauthorized', message: `this CalDiff bridge does not answer to the host name "${req.headers.host ?? ''}"` } });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith(LAUNCH_PREFIX)) {
      const nonce = url.pathname.slice(LAUNCH_PREFIX.length);
      const expires = launches.get(nonce);
      launches.delete(nonce);
      if (req.method !== 'GET' || expires === undefined || expires < Date.now()) {
        send(res, 410, { error: { code: 'unauthorized', message: 'this launch link was used already or has expired; use the URL caldiff serve printed' } });
        return;
      }
      res.writeHead(303, { location: `/?token=${token}`, 'cache-control': 'no-store' });
      res.end();
      return;
    }
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
    const mediaType = mediaTypeOf(req.headers['content-type']);
    if (req.method === 'POST' && mediaType !== undefined && !BODY_TYPES.has(mediaType)) {
      send(res, 415, { error: { code: 'validation', message: `unsupported content type "${req.headers['content-type']}" (send application/json or ${WIRE_CONTENT_TYPE})` } });
      return;
    }
    readBody(req, limit)
      .then((body) => app.call(op, req.method === 'GET' ? {} : parseBody(body, mediaType), { transport: 'http' }))
      .then((result) => send(res, 200, result))
      .catch((e: unknown) => sendError(res, e));
  };

  // Nothing a request does may end the process: whatever escapes the handler is answered as an internal error.
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      sendError(res, e);
    }
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
    launchUrl: () => {
      const nonce = randomBytes(24).toString('hex');
      launches.set(nonce, Date.now() + LAUNCH_TTL_MS);
      return `http://${shownHost}:${port}${LAUNCH_PREFIX}${nonce}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
