/** Where the app's folders are: the data directory, and what ships beside the app (models/, demo/). */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
