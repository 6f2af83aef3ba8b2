import { existsSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../app';
import { appendAudit } from '../store';
import { importPaths } from './studies';

/** demo/ beside the app: the repo's in development, resources/demo in a packaged build. */
export function defaultDemoDir(): string {
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const packaged = resources ? path.join(resources, 'demo') : undefined;
  return packaged && existsSync(packaged) ? packaged : path.resolve(__dirname, '..', '..', 'demo');
}

/**
 * A fresh install opens on the demo nodules. Seeding happens once per data directory (recorded in the audit
 * log), so a user who deletes the demo studies does not get them back.
 */
export async function seedDemoOnce(app: App, demoDir = defaultDemoDir()): Promise<number[]> {
  const { db } = app.context;
  const seeded = db.prepare("SELECT 1 FROM audit_log WHERE action = 'demo.seed' LIMIT 1").get();
  const empty = (db.prepare('SELECT COUNT(*) AS n FROM studies').get() as { n: number }).n === 0;
  if (seeded || !empty || !existsSync(demoDir)) return [];
  const { studyIds } = await importPaths(db, [path.join(demoDir, 'lidc')], 'demo');
  appendAudit(db, { actor: 'demo', action: 'demo.seed', detail: `${studyIds.length} demo studies from ${demoDir}` });
  return studyIds;
}
