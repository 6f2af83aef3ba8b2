/**
 * The operation names of the API contract without the contract: the sandboxed preload checks names against this
 * list and so bundles no zod. `api.ts` fails to compile when this list and its table differ.
 */
export const OP_NAMES = [
  'app.info',
  'studies.list',
  'studies.get',
  'studies.import',
  'studies.delete',
  'studies.volume',
  'studies.slice',
  'raters.list',
  'raters.create',
  'annotations.get',
  'annotations.save',
  'review.set',
  'review.list',
  'audit.list',
  'audit.filters',
  // adjudication, history, volumetry (issue 15)
  'annotations.history',
  'annotations.restore',
  'adjudication.start',
  'final.mark',
  'final.get',
  'metrics.volumes',
  'jobs.get',
  'jobs.list',
  'jobs.cancel',
  'models.list',
  'triage.start',
  'triage.queue',
  'triage.result',
  'metrics.slice',
  'metrics.study',
  'metrics.jump',
  // regions of interest (issue 12)
  'roi.list',
  'roi.add',
  'roi.update',
  'roi.delete',
  'roi.fromRaters',
  'roi.importCsv',
  'studies.sliceHeaders',
  'export.study',
  // masks in every view (issue 14)
  'annotations.volume',
  'triage.volume',
  // PACS: DICOMweb archives (issue 16)
  'pacs.archives.list',
  'pacs.archives.add',
  'pacs.archives.remove',
  'pacs.search',
  'pacs.retrieve',
  'pacs.store',
  'pacs.origin',
  // editing aids (issue 15)
  'annotations.interpolate',
] as const;

export type OpName = (typeof OP_NAMES)[number];

const known = new Set<string>(OP_NAMES);

export function isOpName(name: string): name is OpName {
  return known.has(name);
}

/** The name of the IPC channel that carries every call; the preload exposes nothing else. */
export const IPC_CHANNEL = 'caldiff:call';
