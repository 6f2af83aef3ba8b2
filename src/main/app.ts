import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../shared/api';
import { createClient } from '../shared/client';
import type { AppContext, AppSettings } from './context';
import { JobRegistry } from './jobs/registry';
import { handlers } from './services';
import { dispatch, type CallContext } from './services/registry';
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

/** Where CalDiff keeps its database when no --data-dir is given (Electron's userData on each platform). */
export function defaultDataDir(): string {
  if (process.env.CALDIFF_DATA_DIR) return process.env.CALDIFF_DATA_DIR;
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'CalDiff Workstation');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'CalDiff Workstation');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'CalDiff Workstation');
}

/** A folder shipped beside the app (models/, demo/): resources/<name> in a packaged build, the repo's in development. */
export function bundledDir(name: string): string {
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const packaged = resources ? path.join(resources, name) : undefined;
  return packaged && existsSync(packaged) ? packaged : path.resolve(__dirname, '..', '..', name);
}

export function defaultModelsDir(): string {
  return process.env.CALDIFF_MODELS_DIR ?? bundledDir('models');
}

export function createApp(options: AppOptions = {}): App {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  const context: AppContext = {
    version,
    dataDir,
    modelsDir: path.resolve(options.modelsDir ?? defaultModelsDir()),
    db: openDatabase(dataDir),
    jobs: new JobRegistry(),
    settings: { forceCpu: process.env.CALDIFF_FORCE_CPU === '1', ...options.settings },
    secrets: (options.secrets ?? keyFileCipher)(dataDir),
  };
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
