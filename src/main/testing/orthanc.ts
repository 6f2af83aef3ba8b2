/**
 * A real Orthanc (Debian's `orthanc` + `orthanc-dicomweb`) for the PACS tests: a free port, a throwaway storage
 * folder, the DICOMweb plugin, optional HTTP basic auth; ready when its REST API answers, stopped after.
 *
 * Orthanc 1.10 has no bind-address option: its HTTP server listens on every interface, so it runs with
 * RemoteAccessAllowed false (it refuses any peer but the loopback) and its DICOM (DIMSE) server disabled, so no
 * DICOM port is opened at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { tempDir } from './paths';

export const ORTHANC_BINARY = process.env.ORTHANC_BINARY ?? '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.ORTHANC_DICOMWEB_PLUGIN ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancOptions {
  /** HTTP basic auth with this one user; without it the archive is open (to loopback peers). */
  user?: { name: string; password: string };
}

export interface Orthanc {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The DICOMweb root the app is configured with. */
  dicomWebUrl: string;
  pid: number;
  logFile: string;
  /** Orthanc's own REST API, as the tests' independent witness. */
  rest<T = unknown>(route: string, init?: RequestInit): Promise<T>;
  restBytes(route: string): Promise<Uint8Array>;
  /** POST /instances for every file; returns Orthanc's answers. */
  upload(files: string[]): Promise<{ ID: string; Status: string; ParentStudy: string; ParentSeries: string }[]>;
  /** SIGKILL, and returns once the process is dead (for the fault tests). */
  kill(): void;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function orthancAvailable(): boolean {
  return existsSync(ORTHANC_BINARY) && existsSync(DICOMWEB_PLUGIN);
}

/** Waits (without a fixed sleep) until a child killed with SIGKILL is a zombie or gone: it serves nothing more. */
function waitDead(pid: number): void {
  for (;;) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return;
  }
}

export async function startOrthanc(options: OrthancOptions = {}): Promise<Orthanc> {
  if (!orthancAvailable()) throw new Error(`Orthanc is not installed (${ORTHANC_BINARY}, ${DICOMWEB_PLUGIN}); apt-get install orthanc orthanc-dicomweb`);
  // A port found free can be taken before Orthanc binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startOnce(options: OrthancOptions, port: number): Promise<Orthanc> {
  const dir = tempDir('caldiff-orthanc-');
  const config = {
    Name: 'CalDiffTest',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: port,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: Boolean(options.user),
    RegisteredUsers: options.user ? { [options.user.name]: options.user.password } : {},
    HttpCompressionEnabled: false,
    SaveJobs: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Host: '127.0.0.1', Ssl: false },
  };
  const configFile = path.join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(dir, 'orthanc.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(ORTHANC_BINARY, [configFile], { stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}`;
  const auth = options.user ? { authorization: `Basic ${Buffer.from(`${options.user.name}:${options.user.password}`).toString('base64')}` } : undefined;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`Orthanc exited (${code ?? signal}) before it was ready; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`))),
  );
  exited.catch(() => undefined);
  // Ready when the REST API answers; poll with growing pauses, bounded by the process exiting.
  const ready = (async () => {
    for (let pause = 20; ; pause = Math.min(500, pause * 2)) {
      try {
        const res = await fetch(`${url}/system`, { headers: auth });
        if (res.ok) {
          const system = (await res.json()) as { Version: string };
          const plugins = (await (await fetch(`${url}/plugins`, { headers: auth })).json()) as string[];
          if (!plugins.includes('dicom-web')) throw new Error(`Orthanc ${system.Version} started without the DICOMweb plugin; see ${logFile}`);
          return;
        }
      } catch (e) {
        if (e instanceof Error && e.message.includes('without the DICOMweb plugin')) throw e;
      }
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((r) => setTimeout(r, pause));
    }
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }

  const rest = async <T>(route: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${route}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
    if (!res.ok) throw new Error(`Orthanc ${init.method ?? 'GET'} ${route}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  let stopped = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    dicomWebUrl: `${url}/dicom-web`,
    pid: child.pid!,
    logFile,
    rest,
    restBytes: async (route) => {
      const res = await fetch(`${url}${route}`, { headers: auth });
      if (!res.ok) throw new Error(`Orthanc GET ${route}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    upload: async (files) => {
      const answers = [];
      for (const file of files) answers.push(await rest<{ ID: string; Status: string; ParentStudy: string; ParentSeries: string }>('/instances', { method: 'POST', body: readFileSync(file) }));
      return answers;
    },
    kill: () => {
      stopped = true;
      child.kill('SIGKILL');
      waitDead(child.pid!);
    },
    stop: async () => {
      if (!stopped && child.exitCode === null && child.signalCode === null) {
        stopped = true;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      } else await gone;
    },
  };
}

