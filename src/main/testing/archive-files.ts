import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { scanDicomFolder } from '../io/dicom';
import { sopInstanceUIDOf } from '../io/dicom/identity';
import { readDicomFile } from '../io/dicom/parse';
import { str } from '../io/dicom/values';
import { tempDir } from './paths';

/**
 * The shared files as an archive accepts them: Orthanc refuses instances without Study/Series/SOP Instance UIDs,
 * which the anonymized JPEG 2000 series lacks. A copy gets the UIDs the app's own folder import derives for it
 * (dcmtk's dcmodify edits the header and leaves the compressed pixel data as it is); complete files are used as
 * they are.
 */
export function archiveReadyFiles(folder: string): string[] {
  const scan = scanDicomFolder(folder);
  const out: string[] = scan.segs.map((s) => s.path);
  for (const series of scan.series) {
    const first = readDicomFile(series.files[0]);
    if (str(first.dataset, 'SeriesInstanceUID') && str(first.dataset, 'StudyInstanceUID') && str(first.dataset, 'SOPInstanceUID')) {
      out.push(...series.files);
      continue;
    }
    const dir = tempDir('caldiff-archive-copy-');
    for (const file of series.files) {
      const copy = path.join(dir, path.basename(file));
      copyFileSync(file, copy);
      chmodSync(copy, 0o644);
      const sop = sopInstanceUIDOf(readDicomFile(file));
      execFileSync('dcmodify', ['-nb', '-i', `(0020,000D)=${series.studyInstanceUID}`, '-i', `(0020,000E)=${series.seriesInstanceUID}`, '-i', `(0008,0018)=${sop}`, copy]);
      out.push(copy);
    }
  }
  return out;
}
