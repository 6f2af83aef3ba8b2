import type { Db } from './store';
import type { JobRegistry } from './jobs/registry';
import type { SecretCipher } from './pacs/secrets';
import type { TriageService } from './services/triage';

/** Everything a service needs, made once per process by createApp (src/main/app.ts). */
export interface AppContext {
  readonly version: string;
  readonly dataDir: string;
  /** Where model cards and ONNX files are discovered (the repo's or the installed app's models/). */
  readonly modelsDir: string;
  readonly db: Db;
  readonly jobs: JobRegistry;
  readonly settings: AppSettings;
  /** Seals archive credentials before they reach the store (OS keychain in Electron, a key file otherwise). */
  readonly secrets: SecretCipher;
  /** Triage's state in this process: live runs, the last provider report, models that failed to load. */
  readonly triage: TriageService;
}

export interface AppSettings {
  /** Run the model on the CPU even where a GPU provider would load (env CALDIFF_FORCE_CPU=1 or true: cpuForcedByEnv). */
  forceCpu: boolean;
}
