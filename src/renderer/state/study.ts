import { useEffect, useState } from 'react';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { StudyDetail } from '../../shared/api';
import type { VoxelArray } from '../../shared/volume';
import { api } from '../api';
import { scalarRange, toVtkImage, type DisplayVolume } from '../views/vtkImage';

export interface OpenStudy {
  detail: StudyDetail;
  volume: DisplayVolume;
  image: vtkImageData;
  range: [number, number];
}

/** The whole volume is fetched once: scrolling then never waits on the main process. */
export function useStudy(studyId: number | null, report: (e: unknown) => void): OpenStudy | null {
  const [study, setStudy] = useState<OpenStudy | null>(null);
  useEffect(() => {
    if (studyId === null) return;
    let live = true;
    (async () => {
      const [detail, data] = await Promise.all([api['studies.get']({ studyId }), api['studies.volume']({ studyId })]);
      const volume: DisplayVolume = { dims: data.dims, spacing: data.spacing, data: data.data as VoxelArray };
      const range = scalarRange(volume.data);
      if (live) setStudy({ detail, volume, image: toVtkImage(volume, range), range });
    })().catch((e) => live && report(e));
    return () => {
      live = false;
      setStudy(null);
    };
  }, [studyId, report]);
  return studyId === null ? null : study;
}
