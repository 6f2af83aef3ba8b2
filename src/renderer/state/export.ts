import { useCallback, useState } from 'react';
import type { Request } from '../../shared/api';
import { safeName } from '../../shared/text';
import { api } from '../api';

/** Export of the whole study into the data folder's exports/, one time-stamped folder per export. */
export function useExport(studyId: number, studyName: string, report: (e: unknown) => void) {
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<string[] | null>(null);
  const exportStudy = useCallback(async (formats: NonNullable<Request<'export.study'>['formats']> = ['nifti', 'png', 'report']) => {
    setExporting(true);
    try {
      const info = await api['app.info']({});
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const res = await api['export.study']({ studyId, outDir: `${info.dataDir}/exports/${safeName(studyName)}-${stamp}`, formats });
      setExported(res.files);
    } catch (e) {
      report(e);
    } finally {
      setExporting(false);
    }
  }, [studyId, studyName, report]);
  return { exporting, exported, exportStudy };
}
