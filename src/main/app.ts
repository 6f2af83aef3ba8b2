import path from 'node:path';
import type { ApiClient } from '../shared/api';
import { createClient } from '../shared/client';
import type { AppContext, AppSettings } from './context';
import { cpuForcedByEnv } from './engine/providers';
import { JobRegistry } from './jobs/registry';
import { defaultDataDir, defaultModelsDir } from './locations';
import { handlers } from './services';
import { dispatch, type CallContext } from './services/registry';
import { TriageService } from './services/triage';
import { keyFileCipher, type SecretCipher } from './pacs/secrets';
import { openDatabase } from './store';
import { version } from '../../package.json';

export interface AppOptions {
  dataDir?: string;
  modelsDir?: string;
  settings?: Partial<AppSettings>;
  /** How archive credentials are sealed; default: a key file in the data directory (plain Node has no keychain). */
  secrets?: (dataDir: string) => SecretCipher;
}

export interface App {
  context: AppContext;
  /** Validate, dispatch and check one call, as every transport does. */
  call(op: string, request: unknown, call: CallContext): Promise<unknown>;
  /** An in-process typed client (CLI, tests). */
  client(transport?: CallContext['transport']): ApiClient;
  close(): void;
}

export function createApp(options: AppOptions = {}): App {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  const base = {
    version,
    dataDir,
    modelsDir: path.resolve(options.modelsDir ?? defaultModelsDir()),
    db: openDatabase(dataDir),
    jobs: new JobRegistry(),
    settings: { forceCpu: cpuForcedByEnv(), ...options.settings },
    secrets: (options.secrets ?? keyFileCipher)(dataDir),
  };
  const context: AppContext = { ...base, triage: new TriageService(base) };
  context.triage.failInterruptedRuns();
  const call = (op: string, request: unknown, c: CallContext) => dispatch(handlers, context, op, request, c);
  return {
    context,
    call,
    client: (transport = 'cli') => createClient((op, request) => call(op, request, { transport })),
    close: () => {
      context.jobs.cancelAll();
      context.db.close();
    },
  };
}
