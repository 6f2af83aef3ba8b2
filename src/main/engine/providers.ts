/**
 * Execution providers. onnxruntime does not fall back by itself: a session created with an unavailable provider
 * throws (or, worse, fails on its first run). So each candidate is tried in turn with a probe run, every failure
 * is recorded with its reason, and the first that works is kept, CPU last.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { z } from 'zod';
import type { ProviderReportSchema } from '../../shared/api';
import { ApiError } from '../../shared/errors';

export type ProviderReport = z.infer<typeof ProviderReportSchema>;
export type ProviderName = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';

const PLATFORM_OF: Partial<Record<ProviderName, { platform: NodeJS.Platform; label: string }>> = {
  cuda: { platform: 'linux', label: 'CUDA is used only on Linux' },
  dml: { platform: 'win32', label: 'DirectML exists only on Windows' },
  coreml: { platform: 'darwin', label: 'CoreML exists only on macOS' },
};

export const PROVIDER_ORDER: ProviderName[] = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];

/** The one reading of CALDIFF_FORCE_CPU, for the app (createApp), the bench and `caldiff eval`: '1' or 'true'. */
export function cpuForcedByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CALDIFF_FORCE_CPU === '1' || env.CALDIFF_FORCE_CPU === 'true';
}

/** Physical cores: hyperthread siblings share one core's arithmetic units, so more threads than cores only contend. */
export function physicalCores(): number {
  const logical = os.availableParallelism();
  if (process.platform !== 'linux') return Math.max(1, logical);
  try {
    const cores = new Set<string>();
    let physical = '';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [key, value] = line.split(':').map((s) => s?.trim());
      if (key === 'physical id') physical = value;
      if (key === 'core id') cores.add(`${physical}/${value}`);
    }
    return Math.max(1, Math.min(logical, cores.size || logical));
  } catch {
    return Math.max(1, logical);
  }
}

export interface OpenOptions {
  forceCpu: boolean;
  /** Try exactly these providers in this order (tests, diagnostics); default: PROVIDER_ORDER for this platform. */
  providers?: string[];
  threads?: number;
  /** Runs the model once; a provider whose probe throws is treated as failing. */
  probe: (session: ort.InferenceSession) => Promise<void>;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  report: ProviderReport;
}

/**
 * Opens the model (`bytes`, read from `file`) on the first provider that works. Throws the CPU provider's error
 * when even CPU fails: then the file itself is at fault, and the error says so.
 */
export async function openWithFallback(file: string, bytes: Uint8Array, options: OpenOptions): Promise<OpenedSession> {
  const attempts: ProviderReport['attempts'] = [];
  const explicit = options.providers !== undefined;
  const order = explicit ? options.providers! : PROVIDER_ORDER;
  // Each failure is caught and reported below; onnxruntime's own log would repeat it as noise on stderr.
  ort.env.logLevel = 'fatal';
  let lastError: Error | null = null;
  for (const provider of order) {
    const skip = skipReason(provider, explicit, options.forceCpu);
    if (skip) {
      attempts.push({ provider, ok: false, reason: skip });
      continue;
    }
    let session: ort.InferenceSession | null = null;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: options.threads ?? physicalCores(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        logSeverityLevel: 3,
        // Spinning pool threads would steal the cores from the sampler's own arithmetic between runs (and from
        // the UI): measured 2x slower per slice on 2 cores.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      await options.probe(session);
      attempts.push({ provider, ok: true, reason: null });
      return { session, report: { active: provider, attempts, forcedCpu: options.forceCpu } };
    } catch (e) {
      // A contract mismatch is the model's fault, not the provider's: no other provider would fix it.
      if (e instanceof ApiError) {
        await session?.release().catch(() => undefined);
        throw e;
      }
      lastError = e as Error;
      attempts.push({ provider, ok: false, reason: oneLine(lastError.message) });
      await session?.release().catch(() => undefined);
    }
  }
  const detail = attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ');
  const error = new Error(`no execution provider could run ${file} (${detail})`) as Error & { report?: ProviderReport; cause?: unknown };
  error.report = { active: null, attempts, forcedCpu: options.forceCpu };
  error.cause = lastError;
  throw error;
}

function skipReason(provider: string, explicit: boolean, forceCpu: boolean): string | null {
  if (provider === 'cpu') return null;
  if (forceCpu) return 'skipped: CPU forced (CALDIFF_FORCE_CPU=1 or the forceCpu setting)';
  if (!explicit) {
    const rule = PLATFORM_OF[provider as ProviderName];
    if (rule && rule.platform !== process.platform) return `skipped: ${rule.label}`;
  }
  return null;
}

function oneLine(message: string): string {
  const line = message.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? message;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
