/** Finding the series and SEG objects in a folder tree. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/errors';
import { groupKeyOf, isSegmentation, seriesIdentityOf, sopInstanceUIDOf } from './identity';
import { readDicomFile, reasonOf, type DicomFile } from './parse';
import type { DicomScan, DicomSegInfo, DicomSeriesInfo } from './types';
import { nums, seq, str } from './values';

export function scanDicomFolder(root: string): DicomScan {
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new ApiError('not_found', `${root}: no such file or folder.`);
  }
  const scan: DicomScan = { series: [], segs: [], skipped: [], broken: [] };
  const files = stat.isDirectory() ? listFiles(root, scan.skipped) : [root];
  const groups = new Map<string, DicomFile[]>();

  for (const file of files) {
    let dicom: DicomFile;
    try {
      dicom = readDicomFile(file, { headerOnly: true });
    } catch (err) {
      const reason = reasonOf(err);
      if (reason === undefined) throw err;
      (reason === 'not_dicom' ? scan.skipped : scan.broken).push({ path: file, reason: (err as Error).message });
      continue;
    }
    if (isSegmentation(dicom)) {
      scan.segs.push(segInfoOf(dicom));
      continue;
    }
    const ds = dicom.dataset;
    if (nums(ds, 'ImagePositionPatient').length !== 3 || nums(ds, 'ImageOrientationPatient').length !== 6) {
      const what = str(ds, 'Modality') || 'object';
      scan.skipped.push({ path: file, reason: `${path.basename(file)}: a DICOM ${what} without image position/orientation, not a cross-sectional slice.` });
      continue;
    }
    const key = groupKeyOf(dicom, path.dirname(file));
    const group = groups.get(key);
    if (group) group.push(dicom);
    else groups.set(key, [dicom]);
  }

  for (const group of groups.values()) {
    const identity = seriesIdentityOf(group);
    const ds = group[0].dataset;
    const info: DicomSeriesInfo = {
      seriesInstanceUID: identity.seriesInstanceUID,
      studyInstanceUID: identity.studyInstanceUID,
      frameOfReferenceUID: str(ds, 'FrameOfReferenceUID'),
      modality: str(ds, 'Modality'),
      seriesDescription: str(ds, 'SeriesDescription'),
      patientID: str(ds, 'PatientID'),
      files: group.map((f) => f.path),
    };
    scan.series.push(info);
  }
  scan.series.sort((a, b) => a.files[0].localeCompare(b.files[0]));
  return scan;
}

function segInfoOf(file: DicomFile): DicomSegInfo {
  const ds = file.dataset;
  return {
    path: file.path,
    sopInstanceUID: sopInstanceUIDOf(file),
    frameOfReferenceUID: str(ds, 'FrameOfReferenceUID'),
    referencedSeriesUIDs: seq(ds, 'ReferencedSeriesSequence').map((item) => str(item, 'SeriesInstanceUID')),
    segmentationType: str(ds, 'SegmentationType'),
    contentCreatorName: str(ds, 'ContentCreatorName'),
    segmentLabels: seq(ds, 'SegmentSequence').map((item) => str(item, 'SegmentLabel')),
  };
}

/** The regular files under a folder; a link that loops or leads nowhere is noted as skipped, not fatal. */
function listFiles(folder: string, skipped: DicomScan['skipped']): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, skipped));
    else if (entry.isFile()) out.push(full);
    else if (entry.isSymbolicLink()) {
      try {
        if (statSync(full).isFile()) out.push(full);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ELOOP' ? 'a symbolic link that loops' : code === 'ENOENT' ? 'a symbolic link to nothing (dangling)' : `a symbolic link that cannot be followed (${code})`;
        skipped.push({ path: full, reason: `${entry.name}: ${why}; skipped.` });
      }
    }
  }
  return out;
}
