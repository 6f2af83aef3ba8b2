import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../context';
import { bundledDir } from '../locations';
import { importOffThread } from './import-thread';

/**
 * A fresh install opens on the demo nodules. Seeding happens once per data directory (recorded in the audit
 * log), so a user who deletes the demo studies does not get them back.
 */
export async function seedDemoOnce(context: AppContext, demoDir = bundledDir('demo')): Promise<number[]> {
  if (!existsSync(demoDir)) return [];
  // The check and the record share the import's transaction: five processes starting at once seed it once.
  const job = { dataDir: context.dataDir, paths: [path.join(demoDir, 'lidc')], actor: 'demo', once: { action: 'demo.seed', actor: 'demo' } };
  const { studyIds } = await importOffThread(job);
  return studyIds;
}
