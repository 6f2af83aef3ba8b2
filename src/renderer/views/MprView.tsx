import type { ReactNode } from 'react';
import type { Roi } from '../../shared/api';
import type { Window } from '../../shared/volume';
import type { OpenStudy } from '../state/study';
import type { VtkLayer } from './overlayActors';
import { PlaneView } from './PlaneView';
import { VolumeView } from './VolumeView';

/** Volumes thinner than this get no coronal, sagittal or 3D view: a few slices make no useful picture. */
export const MIN_SLICES_FOR_3D = 16;

/** Axial (the editing view) beside coronal, sagittal and a 3D rendering, all from one vtk image. */
export interface MprViewProps {
  study: OpenStudy;
  slice: number;
  window: Window;
  /** The axial editing view, as the workspace made it. */
  axial: ReactNode;
  /** Masks and maps over the whole study for the coronal, sagittal and 3D views. */
  overlays: readonly VtkLayer[];
  onSlice(k: number): void;
  /** The study's ROIs: the coronal and sagittal planes show their slice ranges, to drag. */
  rois: readonly Roi[];
  onRoiSlices(roi: Roi, slices: [number, number]): void;
}

export function MprView({ study, slice, window, axial, overlays, onSlice, rois, onRoiSlices }: MprViewProps) {
  const { volume, image, detail } = study;
  if (volume.dims[2] < MIN_SLICES_FOR_3D) {
    return (
      <div className="mpr single">
        {axial}
        <p className="muted small">This study has {volume.dims[2]} slices: too few for coronal, sagittal and 3D views.</p>
      </div>
    );
  }
  const common = { volume, image, direction: detail.geometry.direction, window, slice, overlays, onSlice, rois, onRoiSlices };
  return (
    <div className="mpr" data-testid="mpr-view">
      <div className="mpr-cell">{axial}</div>
      <div className="mpr-cell">
        <VolumeView image={image} direction={detail.geometry.direction} intensity={detail.intensity} window={window} overlays={overlays} />
      </div>
      <div className="mpr-cell">
        <PlaneView plane="coronal" {...common} />
      </div>
      <div className="mpr-cell">
        <PlaneView plane="sagittal" {...common} />
      </div>
    </div>
  );
}
