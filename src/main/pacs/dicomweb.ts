/**
 * The DICOMweb protocol for the archive service: QIDO-RS (search), WADO-RS (retrieve, one instance per request,
 * written to disk as it arrives) and STOW-RS (store). multipart/related responses are parsed by `meros`; the
 * `dicomweb-client` package cannot serve here: it is built on XMLHttpRequest, which Node does not have
 * ("ReferenceError: XMLHttpRequest is not defined"), and it would hold a whole series in memory (see
 * docs/architecture.md). Errors name the archive and the HTTP status, never the credentials.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { meros } from 'meros';
import { ApiError } from '../../shared/errors';

export interface Endpoint {
  name: string;
  /** The DICOMweb root, e.g. http://pacs:8042/dicom-web (no trailing slash, no credentials). */
  url: string;
  /** The Authorization header value, or null. Never logged, never part of an error. */
  authorization: string | null;
}

const DICOM_JSON = 'application/dicom+json';
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const REQUEST_IDLE_MS = 120_000;

interface Sent {
  method: 'GET' | 'POST';
  route: string;
  accept: string;
  body?: Buffer;
  contentType?: string;
  signal?: AbortSignal;
}

function describe(ep: Endpoint, s: Pick<Sent, 'method' | 'route'>): string {
  return `archive "${ep.name}" (${s.method} ${s.route.split('?')[0]})`;
}

function send(ep: Endpoint, s: Sent): Promise<IncomingMessage> {
  const url = new URL(ep.url + s.route);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: s.method,
        signal: s.signal,
        headers: {
          accept: s.accept,
          ...(ep.authorization ? { authorization: ep.authorization } : {}),
          ...(s.body ? { 'content-type': s.contentType!, 'content-length': s.body.length } : {}),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        res.resume();
        if (status === 401 || status === 403)
          return reject(new ApiError('unauthorized', `${describe(ep, s)} refused the credentials (HTTP ${status}); check the user, password or token with caldiff pacs add`));
        reject(new ApiError('unavailable', `${describe(ep, s)} answered HTTP ${status}`));
      },
    );
    // An archive that stops answering must not hold a job forever.
    req.setTimeout(REQUEST_IDLE_MS, () => req.destroy(Object.assign(new Error(`no answer for ${REQUEST_IDLE_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (s.signal?.aborted) return reject(new ApiError('cancelled', 'cancelled'));
      reject(new ApiError('unavailable', `${describe(ep, s)} failed: ${e.code ?? e.message} (is the archive running and reachable?)`));
    });
    req.end(s.body);
  });
}

/** Reads a whole (bounded) body; a connection that drops midway is an error, not a short answer. */
async function readBody(ep: Endpoint, s: Sent, res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new ApiError('bad_input', `${describe(ep, s)} sent more than ${limit} bytes; refused`);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('unavailable', `${describe(ep, s)} dropped the connection midway (${(e as Error).message})`);
  }
  if (!res.complete) throw new ApiError('unavailable', `${describe(ep, s)} dropped the connection midway`);
  return Buffer.concat(chunks);
}

/** A DICOM JSON dataset (PS3.18 F.2): tag → { vr, Value }. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

async function getJson(ep: Endpoint, route: string, signal?: AbortSignal): Promise<DicomJson[]> {
  const s: Sent = { method: 'GET', route, accept: DICOM_JSON, signal };
  const res = await send(ep, s);
  const body = await readBody(ep, s, res, MAX_JSON_BYTES);
  if (body.length === 0) return []; // Orthanc answers 204 No Content... or 200 with nothing for no match
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('bad_input', `${describe(ep, s)} answered with something that is not DICOM JSON; refused`);
  }
  if (!Array.isArray(parsed) || !parsed.every((d) => d && typeof d === 'object' && !Array.isArray(d)))
    throw new ApiError('bad_input', `${describe(ep, s)} answered with JSON that is not a list of DICOM datasets; refused`);
  return parsed as DicomJson[];
}

export function text(d: DicomJson, tag: string): string {
  const v = d[tag]?.Value?.[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic: unknown }).Alphabetic ?? '');
  return String(v);
}

export function texts(d: DicomJson, tag: string): string[] {
  return (d[tag]?.Value ?? []).map(String);
}

const enc = encodeURIComponent;

export interface StudyQuery {
  patientId?: string;
  patientName?: string;
  /** YYYYMMDD, inclusive. */
  dateFrom?: string;
  dateTo?: string;
  modality?: string;
  accession?: string;
  limit: number;
}

export function searchStudies(ep: Endpoint, q: StudyQuery): Promise<DicomJson[]> {
  const params = new URLSearchParams();
  if (q.patientId) params.set('PatientID', q.patientId);
  if (q.patientName) params.set('PatientName', q.patientName);
  if (q.dateFrom || q.dateTo) params.set('StudyDate', `${q.dateFrom ?? ''}-${q.dateTo ?? ''}`);
  if (q.modality) params.set('ModalitiesInStudy', q.modality);
  if (q.accession) params.set('AccessionNumber', q.accession);
  params.set('limit', String(q.limit));
  for (const field of ['00081030', '00201206', '00201208', '00080061']) params.append('includefield', field);
  return getJson(ep, `/studies?${params}`);
}

export function searchSeries(ep: Endpoint, studyUID: string, signal?: AbortSignal): Promise<DicomJson[]> {
  return getJson(ep, `/studies/${enc(studyUID)}/series?includefield=00201209&includefield=0008103E`, signal);
}

export function searchInstances(ep: Endpoint, studyUID: string, seriesUID: string, signal?: AbortSignal): Promise<DicomJson[]> {
  return getJson(ep, `/studies/${enc(studyUID)}/series/${enc(seriesUID)}/instances`, signal);
}

/** Is this a DICOM Part-10 file (preamble + "DICM")? Anything else from an archive is refused. */
function isPart10(bytes: Buffer): boolean {
  return bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM';
}

/**
 * WADO-RS of one instance, as the archive stores it (transfer-syntax=*: JPEG 2000 stays JPEG 2000 and the
 * import decodes it), written to `file`. One part, a Part-10 file, the whole response: anything else is refused.
 */
export async function retrieveInstance(ep: Endpoint, studyUID: string, seriesUID: string, sopUID: string, file: string, signal: AbortSignal): Promise<void> {
  const s: Sent = {
    method: 'GET',
    route: `/studies/${enc(studyUID)}/series/${enc(seriesUID)}/instances/${enc(sopUID)}`,
    accept: 'multipart/related; type="application/dicom"; transfer-syntax=*',
    signal,
  };
  const res = await send(ep, s);
  const parts = await meros(res);
  // meros hands back the response itself when it is not multipart.
  if (parts === res || !('next' in parts)) {
    res.resume();
    throw new ApiError('bad_input', `${describe(ep, s)} answered ${res.headers['content-type'] ?? 'without a content type'}, not multipart/related DICOM; refused`);
  }
  let count = 0;
  try {
    for await (const part of parts) {
      count++;
      const body = part.body as unknown;
      if (count > 1 || !Buffer.isBuffer(body) || !isPart10(body))
        throw new ApiError('bad_input', `${describe(ep, s)} sent something that is not one DICOM file for instance ${sopUID}; refused`);
      writeFileSync(file, body);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (signal.aborted) throw new ApiError('cancelled', 'cancelled');
    throw new ApiError('unavailable', `${describe(ep, s)} dropped the connection midway (${(e as Error).message})`);
  }
  if (!res.complete) throw new ApiError('unavailable', `${describe(ep, s)} dropped the connection midway through instance ${sopUID}`);
  if (count === 0) throw new ApiError('bad_input', `${describe(ep, s)} sent no DICOM part for instance ${sopUID}; refused`);
}

export interface StowOutcome {
  ok: boolean;
  /** The archive's reason, when it gave one (a DICOM failure code). */
  message: string;
}

/** STOW-RS of one Part-10 file. The archive's answer lists it as referenced (stored) or failed. */
export async function storeInstance(ep: Endpoint, studyUID: string, sopUID: string, bytes: Uint8Array): Promise<StowOutcome> {
  const boundary = `caldiff-${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'),
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
  const s: Sent = { method: 'POST', route: `/studies/${enc(studyUID)}`, accept: DICOM_JSON, body, contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
  let answer: DicomJson | undefined;
  try {
    const res = await send(ep, s);
    const raw = await readBody(ep, s, res, MAX_JSON_BYTES);
    const parsed: unknown = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    answer = (Array.isArray(parsed) ? parsed[0] : parsed) as DicomJson | undefined;
  } catch (e) {
    if (e instanceof SyntaxError) return { ok: false, message: `${describe(ep, s)} answered with something that is not DICOM JSON` };
    if (e instanceof ApiError && e.code !== 'unauthorized') return { ok: false, message: e.message };
    throw e;
  }
  const seqOf = (tag: string) => ((answer?.[tag]?.Value ?? []) as DicomJson[]).filter((x) => x && typeof x === 'object');
  const failed = seqOf('00081198').find((x) => text(x, '00081155') === sopUID);
  if (failed) return { ok: false, message: `the archive refused it (failure reason ${text(failed, '00081197') || 'not given'})` };
  if (seqOf('00081199').some((x) => text(x, '00081155') === sopUID)) return { ok: true, message: '' };
  return { ok: false, message: `${describe(ep, s)} did not confirm the instance` };
}
