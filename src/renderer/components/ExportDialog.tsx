import type { ExportFormat } from '../../shared/api';
import { EXPORT_FORMATS, unavailableReason, type ExportableStudy, type ExportResult } from '../state/export';

/** What each format writes; a format without a line here (one added to the contract later) is offered by its name. */
const FORMAT_TEXT: Partial<Record<ExportFormat, string>> = {
  nifti: 'NIfTI: each rater, majority and STAPLE consensus, the model mean and uncertainty maps',
  png: 'PNG: each rater and consensus mask, one image per slice',
  'dicom-seg': "DICOM SEG: one per rater, majority and STAPLE consensus, and the model's FRACTIONAL probability SEG",
  report: 'Report (JSON + CSV): ranking, scores, review status per rater, agreement, measurements, model provenance',
  final: 'Final mask: the adjudicated mask as NIfTI (and DICOM SEG for DICOM studies)',
};

export interface ExportDialogProps {
  study: ExportableStudy;
  outDir: string;
  formats: Set<ExportFormat>;
  exporting: boolean;
  result: ExportResult | null;
  onToggle(f: ExportFormat): void;
  onOutDir(dir: string): void;
  onExport(): void;
  onClose(): void;
}

export function ExportDialog(p: ExportDialogProps) {
  return (
    <div className="modal-backdrop">
      <div className="modal export-dialog" role="dialog" aria-label="Export study" data-testid="export-dialog">
        <h2>Export study</h2>
        <fieldset className="export-formats">
          {EXPORT_FORMATS.map((f) => {
            const reason = unavailableReason(f, p.study);
            return (
              <label key={f} className="check" data-testid={`export-format-${f}`}>
                <input type="checkbox" checked={p.formats.has(f)} onChange={() => p.onToggle(f)} /> {FORMAT_TEXT[f] ?? f}
                {reason && <span className="muted small"> ({reason}: skipped for this study)</span>}
              </label>
            );
          })}
        </fieldset>
        <label className="export-dir">
          Destination folder
          <input type="text" value={p.outDir} onChange={(e) => p.onOutDir(e.target.value)} data-testid="export-dir" spellCheck={false} />
        </label>
        <div className="button-row">
          <button type="button" onClick={p.onExport} disabled={p.exporting || p.formats.size === 0} data-testid="export-run">
            {p.exporting ? 'Exporting…' : 'Export'}
          </button>
          <button type="button" onClick={p.onClose} data-testid="export-close">
            Close
          </button>
        </div>
        {p.result && (
          <div className="small export-result" data-testid="export-result">
            <p>
              {p.result.files.length} files written to <code data-testid="export-written-dir">{p.result.dir}</code>
            </p>
            {p.result.skipped.map((s) => (
              <p key={s.format} className="muted" data-testid="export-skipped">
                Skipped {s.format}: {s.reason}
              </p>
            ))}
            <ul className="export-files" data-testid="export-files">
              {p.result.files.map((f) => (
                <li key={f} title={f}>
                  {f.startsWith(p.result!.dir) ? f.slice(p.result!.dir.length + 1) : f}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
