import { useCallback, useEffect, useState } from 'react';
import type { Response } from '../../shared/api';
import { api } from '../api';
import type { EditorState } from './editor';

export type SliceMetrics = Response<'metrics.slice'>;
export type StudyMetrics = Response<'metrics.study'>;

interface AgreementInput {
  studyId: number;
  slice: number;
  raterId: number;
  blinded: boolean;
  editor: EditorState;
  resultsVersion: number;
  goTo(k: number): void;
  report(e: unknown): void;
}

/** Agreement between the raters (and the model) on the slice and the study, and the jumps it offers. */
export function useAgreement({ studyId, slice, raterId, blinded, editor, resultsVersion, goTo, report }: AgreementInput) {
  const [sliceMetrics, setSliceMetrics] = useState<SliceMetrics | null>(null);
  const [studyMetrics, setStudyMetrics] = useState<StudyMetrics | null>(null);

  // Agreement follows saved edits; a short delay folds a burst of strokes into one request.
  const savedRevision = editor.revision;
  const othersKey = editor.others.map((o) => `${o.raterId}:${o.revision}`).join(',');
  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      const viewer = { viewerRaterId: raterId, blinded };
      api['metrics.slice']({ studyId, sliceIndex: slice, ...viewer }).then((m) => live && setSliceMetrics(m), report);
      api['metrics.study']({ studyId, ...viewer }).then((m) => live && setStudyMetrics(m), report);
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [studyId, slice, raterId, blinded, savedRevision, othersKey, resultsVersion, report]);

  // The service picks the slice, and says what is missing (needs_more, shown as a hint) when there is none yet.
  const jump = useCallback(
    (to: 'disagreement' | 'mismatch') =>
      api['metrics.jump']({ studyId, to, viewerRaterId: raterId, blinded }).then((r) => goTo(r.sliceIndex), report),
    [studyId, raterId, blinded, goTo, report],
  );
  const jumpDisagreement = useCallback(() => void jump('disagreement'), [jump]);
  const jumpMismatch = useCallback(() => void jump('mismatch'), [jump]);

  return { sliceMetrics, studyMetrics, jumpDisagreement, jumpMismatch };
}
