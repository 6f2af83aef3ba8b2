import { useEffect, useReducer, useRef, useState } from 'react';
import { SlicingMode } from '@kitware/vtk.js/Rendering/Core/ImageMapper/Constants';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Roi } from '../../shared/api';
import type { Geometry, Window } from '../../shared/volume';
import { createImageSliceScene, useVtkScene } from './vtkScene';
import { axisSigns, cross, labelsFor, type Vec3 } from './orientation';
import { PlaneOverlays, type VtkLayer } from './overlayActors';
import type { DisplayVolume } from './vtkImage';
import { RoiRanges, type PlaneMapping } from './RoiRanges';

export interface PlaneViewProps {
  plane: 'coronal' | 'sagittal';
  volume: DisplayVolume;
  image: vtkImageData;
  direction: Geometry['direction'];
  window: Window;
  /** The axial slice shown in the main view, drawn as a line; clicking moves it. */
  slice: number;
  /** Masks and maps over the whole study, drawn on the plane. */
  overlays: readonly VtkLayer[];
  onSlice(k: number): void;
  /** The study's ROIs, drawn as boxes whose slice range can be dragged. */
  rois?: readonly Roi[];
  onRoiSlices?(roi: Roi, slices: [number, number]): void;
}

/**
 * A coronal or sagittal plane through the centre of the volume, superior up. Reads the same vtk image data as
 * the axial view; the line marks the axial slice and a click picks a new one.
 */
export function PlaneView(p: PlaneViewProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [fit, setFit] = useState<{ scale: number; width: number; height: number; zc: number; down: number } | null>(null);
  const latest = useRef(p);
  // A resize re-renders, and every render lays the plane out again.
  const [, resized] = useReducer((n: number) => n + 1, 0);
  const sceneRef = useVtkScene(ref, (container) => {
    const base = createImageSliceScene(container, resized);
    const overlays = new PlaneOverlays(base.scene.renderer, p.plane === 'coronal' ? SlicingMode.J : SlicingMode.I, p.plane === 'coronal' ? 1 : 0);
    return {
      ...base,
      overlays,
      dispose: () => {
        overlays.dispose();
        base.dispose();
      },
    };
  });

  const [nx, ny, nz] = p.volume.dims;
  const [sx, sy, sz] = p.volume.spacing;
  // Radiological display: superior up; coronal has patient left on the right, sagittal posterior on the right.
  const signs = axisSigns(p.direction);
  const up = signs.k;
  const upIdx: Vec3 = [0, 0, up];
  const rightIdx: Vec3 = p.plane === 'coronal' ? [signs.i, 0, 0] : [0, signs.j, 0];
  const viewDir = cross(upIdx, rightIdx);

  function layout() {
    const s = sceneRef.current;
    // Rendering before the image is attached only makes vtk.js log "No input!".
    if (!s || !s.mapper.getInputData()) return;
    const pp = latest.current;
    const { width, height } = s.scene.size();
    const ew = pp.plane === 'coronal' ? nx * sx : ny * sy;
    const eh = nz * sz;
    const scale = Math.min(width / ew, height / eh);
    const centre: Vec3 = [((nx - 1) * sx) / 2, ((ny - 1) * sy) / 2, ((nz - 1) * sz) / 2];
    const camera = s.scene.renderer.getActiveCamera();
    camera.setParallelProjection(true);
    camera.setFocalPoint(...centre);
    camera.setPosition(centre[0] - viewDir[0] * 1000, centre[1] - viewDir[1] * 1000, centre[2] - viewDir[2] * 1000);
    camera.setViewUp(0, 0, up);
    camera.setParallelScale(height / (2 * scale));
    camera.setClippingRange(1, 3000);
    const prop = s.actor.getProperty();
    prop.setColorWindow(pp.window.width);
    prop.setColorLevel(pp.window.level);
    const axis = pp.plane === 'coronal' ? 1 : 0;
    s.overlays.update(pp.overlays, Math.floor(pp.volume.dims[axis] / 2) * pp.volume.spacing[axis]);
    s.scene.render();
    setFit((f) => (f && f.scale === scale && f.width === width && f.height === height ? f : { scale, width, height, zc: centre[2], down: -up }));
  }

  useEffect(() => {
    latest.current = p;
    layout();
  });


  useEffect(() => {
    const s = sceneRef.current;
    if (!s) return;
    s.mapper.setInputData(p.image);
    if (p.plane === 'coronal') {
      s.mapper.setSlicingMode(SlicingMode.J);
      s.mapper.setSlice(Math.floor(ny / 2));
    } else {
      s.mapper.setSlicingMode(SlicingMode.I);
      s.mapper.setSlice(Math.floor(nx / 2));
    }
    layout();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [p.image, p.plane]);

  const { left, right, top, bottom } = labelsFor(p.direction, rightIdx, [0, 0, -up]);
  const lineY = fit ? fit.height / 2 + (p.slice * sz - fit.zc) * fit.scale * fit.down : null;
  const across = p.plane === 'coronal' ? { n: nx, s: sx, sign: signs.i, axis: 0 as const } : { n: ny, s: sy, sign: signs.j, axis: 1 as const };
  const mapping: PlaneMapping | null = fit && {
    // The left edge of column u is u - 0.5 in index units; columns run rightwards when the sign is positive.
    x: (u) => fit.width / 2 + ((u - 0.5) * across.s - ((across.n - 1) * across.s) / 2) * fit.scale * across.sign,
    y: (k) => fit.height / 2 + (k * sz - fit.zc) * fit.scale * fit.down,
    slice: (y) => Math.round(((y - fit.height / 2) / (fit.scale * fit.down) + fit.zc) / sz),
    axis: across.axis,
    slices: nz,
  };

  return (
    <div
      className="plane-view"
      data-testid={`plane-${p.plane}`}
      data-overlays={p.overlays.length}
      onClick={(e) => {
        if (!mapping) return;
        p.onSlice(mapping.slice(e.clientY - e.currentTarget.getBoundingClientRect().top));
      }}
    >
      <div ref={ref} className="vtk-layer" />
      {lineY !== null && <div className="slice-line" style={{ top: `${lineY}px` }} />}
      {mapping && p.rois && p.onRoiSlices && <RoiRanges rois={p.rois} map={mapping} onSlices={p.onRoiSlices} />}
      <div className="orientation top">{top}</div>
      <div className="orientation bottom">{bottom}</div>
      <div className="orientation left">{left}</div>
      <div className="orientation right">{right}</div>
      <div className="corner top-left">{p.plane === 'coronal' ? 'Coronal' : 'Sagittal'}</div>
    </div>
  );
}
