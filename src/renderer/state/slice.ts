import { useCallback, useMemo, useState } from 'react';
import type { Window } from '../../shared/volume';
import { axisSigns, labelsFor } from '../views/orientation';
import { FIT, type ViewTransform } from '../views/viewport';
import { defaultWindowFor, presetsFor } from './presets';
import type { OpenStudy } from './study';

/** Where the reader is in a study: the slice, the window, the zoom/pan, and how the axes are displayed. */
export function useSliceState(study: OpenStudy, initialSlice: number) {
  const { detail, volume, range } = study;
  const depth = volume.dims[2];
  const [slice, setSlice] = useState(() => Math.min(initialSlice, depth - 1));
  const [win, setWin] = useState<Window>(() => defaultWindowFor(detail.intensity, detail.window));
  const [transform, setTransform] = useState<ViewTransform>(FIT);
  const presets = useMemo(() => presetsFor(detail.intensity, detail.window, range), [detail, range]);
  const signs = useMemo(() => axisSigns(detail.geometry.direction), [detail]);
  const labels = useMemo(() => labelsFor(detail.geometry.direction, [signs.i, 0, 0], [0, signs.j, 0]), [detail, signs]);
  const goTo = useCallback((k: number) => setSlice(Math.max(0, Math.min(depth - 1, Math.round(k)))), [depth]);
  return { slice, depth, goTo, win, setWin, transform, setTransform, presets, signs, labels };
}

export type SliceState = ReturnType<typeof useSliceState>;
