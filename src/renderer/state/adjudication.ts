import { useCallback, useEffect, useState } from 'react';
import type { Rater, Request, Response } from '../../shared/api';
import { unpackMask } from '../../shared/masks';
import { api } from '../api';
import type { AnnotationEditor, EditorState } from './editor';

export type FinalState = Response<'final.get'>;
export type Basis = Request<'adjudication.start'>['from'];
export type Volumes = Response<'metrics.volumes'>;

interface AdjudicationInput {
  studyId: number;
  slice: number;
  rater: Rater;
  blinded: boolean;
  editor: AnnotationEditor;
  ed: EditorState;
  /** Pixels per slice. */
  size: number;
  report(e: unknown): void;
}

/**
 * The slice's final mask (for everyone blinding lets see it), the adjudicator's two actions on it (start the working
 * mask from a reader, a consensus or the model mean; mark it final), and the study's volumetry, which follows them.
 */
export function useAdjudication({ studyId, slice, rater, blinded, editor, ed, size, report }: AdjudicationInput) {
  const [final, setFinal] = useState<FinalState | null>(null);
  const [finalPixels, setFinalPixels] = useState<Uint8Array | null>(null);
  const [volumes, setVolumes] = useState<Volumes | null>(null);
  const [version, setVersion] = useState(0);
  const isAdjudicator = rater.role === 'adjudicator';
  // Others' masks reload after a review or a save elsewhere; the final mask may have become visible with them.
  const othersKey = ed.others.map((o) => `${o.raterId}:${o.revision}`).join(',');

  useEffect(() => {
    let live = true;
    api['final.get']({ studyId, sliceIndex: slice, viewerRaterId: rater.id, blinded }).then((f) => {
      if (!live) return;
      setFinal(f);
      setFinalPixels(f.final ? unpackMask(f.final.mask, size) : null);
    }, report);
    return () => {
      live = false;
    };
  }, [studyId, slice, rater.id, blinded, size, othersKey, version, report]);

  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      api['metrics.volumes']({ studyId, viewerRaterId: rater.id, blinded }).then((v) => live && setVolumes(v), report);
    }, 300);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [studyId, rater.id, blinded, othersKey, ed.revision, version, report]);

  const startFrom = useCallback(
    async (from: Basis) => {
      try {
        await api['adjudication.start']({ studyId, sliceIndex: slice, adjudicatorId: rater.id, from, baseRevision: ed.revision });
        await editor.reload();
      } catch (e) {
        report(e);
      }
    },
    [studyId, slice, rater.id, ed.revision, editor, report],
  );

  const markFinal = useCallback(async () => {
    try {
      await api['final.mark']({ studyId, sliceIndex: slice, adjudicatorId: rater.id, baseRevision: ed.revision });
      setVersion((v) => v + 1);
    } catch (e) {
      report(e);
    }
  }, [studyId, slice, rater.id, ed.revision, report]);

  return { isAdjudicator, final, finalPixels, volumes, startFrom, markFinal };
}
