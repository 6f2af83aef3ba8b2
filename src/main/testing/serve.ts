/** Test helpers for the real `caldiff serve`: start it, talk raw HTTP to it, and lean on its store from outside. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { DATABASE_FILE } from '../store';
import { CALDIFF } from './cli';
import { REPO_ROOT, tempDir } from './paths';

export interface Served {
  child: ChildProcess;
  port: number;
  token: string;
  dataDir: string;
  stderr: () => string;
}

export async function serve(args: string[], env: NodeJS.ProcessEnv = {}, dataDir = tempDir()): Promise<Served> {
  const child = spawn(process.execPath, [CALDIFF, 'serve', '--json', '--port', '0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`caldiff serve exited with ${code} before it was ready: ${stderr}`)));
  });
  const { port, token } = JSON.parse(line) as { port: number; token: string };
  return { child, port, token, dataDir, stderr: () => stderr };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: fetch would normalise the path and refuses to set Host. */
export function request(port: number, options: { method?: string; path: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const errorOf = (a: Answer) => (JSON.parse(a.body) as { error: { code: string; message: string; retryable?: boolean } }).error;

/** Peak resident memory of a process so far (Linux). */
export function peakRssBytes(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/**
 * Holds the store's write lock from another process until its stdin closes, like a long CLI import. `setup` runs
 * first (creating the file if there is none).
 */
export async function holdWriteLock(dataDir: string, setup = ''): Promise<ChildProcess> {
  const script = `
    const db = new (require('better-sqlite3'))(${JSON.stringify(path.join(dataDir, DATABASE_FILE))});
    db.pragma('journal_mode = WAL');
    db.exec(${JSON.stringify(setup)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });
    process.stdin.resume();`;
  const holder = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: holder.stdout! }).once('line', () => resolve());
    holder.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return holder;
}

/** Lets the holder commit and waits until it has. */
export async function releaseWriteLock(holder: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  holder.stdin!.end();
  await exited;
}
