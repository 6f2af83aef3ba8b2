import { useCallback, useEffect, useState } from 'react';
import type { Response } from '../../shared/api';
import { ApiError } from '../../shared/errors';
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

  const jumpDisagreement = useCallback(() => {
    const slices = (studyMetrics?.slices ?? []).filter((s) => s.meanPairwiseDice !== null);
    if (!slices.length) return report(new ApiError('needs_more', 'Rater disagreement needs masks from two raters on the same slice; so far no slice has them.'));
    goTo(slices.reduce((a, b) => (b.meanPairwiseDice! < a.meanPairwiseDice! ? b : a)).sliceIndex);
  }, [studyMetrics, goTo, report]);

  const jumpMismatch = useCallback(() => {
    const slices = (studyMetrics?.slices ?? []).filter((s) => s.meanPairwiseDice !== null && s.uncertainty !== null);
    if (!slices.length) return report(new ApiError('needs_more', 'Model vs raters mismatch needs triage results and masks from two raters on the same slices.'));
    const maxU = Math.max(1e-12, ...slices.map((s) => s.uncertainty!));
    const gap = (s: (typeof slices)[number]) => Math.abs(s.uncertainty! / maxU - (1 - s.meanPairwiseDice!));
    goTo(slices.reduce((a, b) => (gap(b) > gap(a) ? b : a)).sliceIndex);
  }, [studyMetrics, goTo, report]);

  return { sliceMetrics, studyMetrics, jumpDisagreement, jumpMismatch };
}
