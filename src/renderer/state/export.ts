import { useCallback, useState } from 'react';
import { ExportFormatSchema, type ExportFormat, type Response } from '../../shared/api';
import { safeName } from '../../shared/text';
import { api } from '../api';

/** Every format the contract knows, in its order: a format added to ExportFormatSchema shows up in the dialog. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ExportFormatSchema.options;

/** What decides which formats a study can have. */
export interface ExportableStudy {
  source: string;
  hasFinal: boolean;
}

/** Why a study cannot have a format (null: it can); the service skips such a format with the same reason. */
export function unavailableReason(format: ExportFormat, study: ExportableStudy): string | null {
  if (format === 'dicom-seg' && study.source !== 'dicom') return 'needs a study imported from DICOM';
  if (format === 'final' && !study.hasFinal) return 'no final mask yet: an adjudicator marks slices final first';
  return null;
}

export type ExportResult = Response<'export.study'>;

/** The Export dialog: formats chosen, the destination (the data folder's exports/, one time-stamped folder each), what was written. */
export function useExport(studyId: number, studyName: string, study: ExportableStudy, report: (e: unknown) => void) {
  const [dialog, setDialog] = useState<{ outDir: string; formats: Set<ExportFormat> } | null>(null);
  const [exporting, setExporting] = useState(false);
  const [result, setResult] = useState<ExportResult | null>(null);

  /** Opens the dialog with `preselect` ticked (default: every format the study can have). */
  const openDialog = useCallback(async (preselect?: ExportFormat[]) => {
    try {
      const info = await api['app.info']({});
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      setResult(null);
      setDialog({ outDir: `${info.dataDir}/exports/${safeName(studyName)}-${stamp}`, formats: new Set(preselect ?? EXPORT_FORMATS.filter((f) => !unavailableReason(f, study))) });
    } catch (e) {
      report(e);
    }
  }, [studyName, study, report]);

  const toggle = useCallback((f: ExportFormat) => {
    setDialog((d) => {
      if (!d) return d;
      const formats = new Set(d.formats);
      if (formats.has(f)) formats.delete(f);
      else formats.add(f);
      return { ...d, formats };
    });
  }, []);
  const setOutDir = useCallback((outDir: string) => setDialog((d) => (d ? { ...d, outDir } : d)), []);

  const run = useCallback(async () => {
    if (!dialog || dialog.formats.size === 0) return;
    setExporting(true);
    try {
      setResult(await api['export.study']({ studyId, outDir: dialog.outDir, formats: EXPORT_FORMATS.filter((f) => dialog.formats.has(f)) }));
    } catch (e) {
      report(e);
    } finally {
      setExporting(false);
    }
  }, [dialog, studyId, report]);

  return { dialog, exporting, result, openDialog, closeDialog: () => setDialog(null), toggle, setOutDir, run };
}
