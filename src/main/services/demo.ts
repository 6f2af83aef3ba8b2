import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundledDir, type App } from '../app';
import { appendAudit } from '../store';
import { importPaths } from './studies';

/**
 * A fresh install opens on the demo nodules. Seeding happens once per data directory (recorded in the audit
 * log), so a user who deletes the demo studies does not get them back.
 */
export async function seedDemoOnce(app: App, demoDir = bundledDir('demo')): Promise<number[]> {
  const { db } = app.context;
  const seeded = db.prepare("SELECT 1 FROM audit_log WHERE action = 'demo.seed' LIMIT 1").get();
  const empty = (db.prepare('SELECT COUNT(*) AS n FROM studies').get() as { n: number }).n === 0;
  if (seeded || !empty || !existsSync(demoDir)) return [];
  const { studyIds } = await importPaths(db, [path.join(demoDir, 'lidc')], 'demo');
  appendAudit(db, { actor: 'demo', action: 'demo.seed', detail: `${studyIds.length} demo studies from ${demoDir}` });
  return studyIds;
}
