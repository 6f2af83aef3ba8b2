import { api, opNames, type ApiClient, type OpName } from './api';
import { ApiError, type ApiErrorJson } from './errors';
import { WIRE_CONTENT_TYPE, containsTypedArray, decodeWire, encodeWire } from './wire';

/** Any transport is one function: send an operation's request, get its answer or an ApiError. */
export type Call = (op: OpName, request: unknown) => Promise<unknown>;

/** A typed client over any transport (IPC in Electron, HTTP in browser mode, in-process in the CLI and tests). */
export function createClient(call: Call): ApiClient {
  return Object.fromEntries(opNames.map((op) => [op, (request: unknown) => call(op, request ?? {})])) as ApiClient;
}

export const TOKEN_HEADER = 'authorization';
export const bearer = (token: string) => `Bearer ${token}`;

/** The HTTP bridge: every operation at /api + its path; typed arrays travel in the wire format, the rest as JSON. */
export function httpCall(baseUrl: string, token: string, fetchImpl: typeof fetch = fetch): Call {
  const root = baseUrl.replace(/\/$/, '');
  return async (op, request) => {
    const { method, path } = api[op].http;
    const binary = containsTypedArray(request);
    const res = await fetchImpl(`${root}/api${path}`, {
      method,
      headers: {
        [TOKEN_HEADER]: bearer(token),
        accept: `${WIRE_CONTENT_TYPE}, application/json`,
        ...(method === 'POST' ? { 'content-type': binary ? WIRE_CONTENT_TYPE : 'application/json' } : {}),
      },
      body: method === 'POST' ? (binary ? (encodeWire(request) as Uint8Array<ArrayBuffer>) : JSON.stringify(request)) : undefined,
    });
    const type = res.headers.get('content-type') ?? '';
    const body: unknown = type.startsWith(WIRE_CONTENT_TYPE) ? decodeWire(new Uint8Array(await res.arrayBuffer())) : await res.json();
    if (!res.ok) throw ApiError.from((body as { error?: unknown }).error ?? { code: 'internal', message: `HTTP ${res.status}` });
    return body;
  };
}

/** How the IPC bridge answers: Electron reduces thrown errors to a message string, losing the error code. */
export type IpcEnvelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorJson };

/**
 * The Electron transport: the preload's `call` answers with an IpcEnvelope (contextBridge would strip an error's
 * code), turned back into the answer or an ApiError here.
 */
export function envelopeCall(send: (op: OpName, request: unknown) => Promise<IpcEnvelope>): Call {
  return async (op, request) => {
    const answer = await send(op, request);
    if (!answer.ok) throw ApiError.from(answer.error);
    return answer.value;
  };
}
