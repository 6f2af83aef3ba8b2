import { useEffect, useMemo, useState } from 'react';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import type { Response } from '../../shared/api';
import { unpackMask } from '../../shared/masks';
import { frequencyBands } from '../../shared/editing/model';
import { api } from '../api';
import { BAND_COLOURS, MEAN_COLOUR, OWN_COLOUR, raterColour } from '../overlays/paint';
import type { DisplayVolume } from '../views/vtkImage';
import type { VtkLayer } from '../views/overlayActors';
import type { EditorState } from './editor';
import type { OverlaySettings } from './overlays';

type MaskVolume = Response<'annotations.volume'>;
type ModelVolume = NonNullable<Response<'triage.volume'>>;

/** A vtk image on a grid of `dims` covering the study's display extent (the model's grid may be coarser). */
function gridImage(volume: DisplayVolume, dims: [number, number, number], values: Uint8Array | Float32Array): vtkImageData {
  const [nx, ny] = volume.dims;
  const [sx, sy, sz] = volume.spacing;
  // A model pixel covers nx/width image pixels: its centre sits half of that in from the first image pixel's centre.
  const spacing: [number, number, number] = [(sx * nx) / dims[0], (sy * ny) / dims[1], sz];
  const origin: [number, number, number] = [((nx / dims[0] - 1) / 2) * sx, ((ny / dims[1] - 1) / 2) * sy, 0];
  const image = vtkImageData.newInstance();
  image.setDimensions(dims);
  image.setSpacing(spacing);
  image.setOrigin(origin);
  image.getPointData().setScalars(vtkDataArray.newInstance({ name: 'overlay', numberOfComponents: 1, values }));
  return image;
}

function maskImages(volume: DisplayVolume, masks: MaskVolume): Map<number, { name: string; image: vtkImageData }> {
  const [nx, ny, nz] = volume.dims;
  const n = nx * ny;
  const out = new Map<number, { name: string; image: vtkImageData }>();
  for (const r of masks.raters) {
    const labels = new Uint8Array(n * nz);
    for (const s of r.slices) labels.set(unpackMask(s.mask, n), s.sliceIndex * n);
    out.set(r.raterId, { name: r.raterName, image: gridImage(volume, [nx, ny, nz], labels) });
  }
  return out;
}

function modelImages(volume: DisplayVolume, model: ModelVolume) {
  const n = model.width * model.height;
  const nz = volume.dims[2];
  const mean = new Uint8Array(n * nz);
  const bands = new Uint8Array(n * nz);
  const uncertainty = new Float32Array(n * nz);
  let max = 1e-6;
  for (const s of model.slices) {
    for (let p = 0; p < n; p++) mean[s.sliceIndex * n + p] = s.mean[p] >= 0.5 ? 1 : 0;
    bands.set(frequencyBands(s.mean), s.sliceIndex * n);
    uncertainty.set(s.uncertainty, s.sliceIndex * n);
    for (let p = 0; p < n; p++) if (s.uncertainty[p] > max) max = s.uncertainty[p];
  }
  const dims: [number, number, number] = [model.width, model.height, nz];
  return { mean: gridImage(volume, dims, mean), bands: gridImage(volume, dims, bands), uncertainty: gridImage(volume, dims, uncertainty), max };
}

interface OverlayVolumeInput {
  studyId: number;
  raterId: number;
  blinded: boolean;
  volume: DisplayVolume;
  /** Only the MPR layout needs whole-study overlays: nothing is fetched while it is off. */
  enabled: boolean;
  editor: EditorState;
  resultsVersion: number;
  settings: OverlaySettings;
  report(e: unknown): void;
}

/**
 * The overlays of the coronal, sagittal and 3D views: every visible rater's masks, the model's mean and its
 * uncertainty over the whole study, as vtk images; the reader's own mask follows their edits at once.
 */
export function useOverlayVolumes({ studyId, raterId, blinded, volume, enabled, editor, resultsVersion, settings, report }: OverlayVolumeInput): VtkLayer[] {
  const [masks, setMasks] = useState<Map<number, { name: string; image: vtkImageData }> | null>(null);
  const [model, setModel] = useState<ReturnType<typeof modelImages> | null>(null);

  // Other raters change when blinding lifts or a save lands; both show in the editor's list of other masks. The
  // reader's own change on many slices at once when they interpolate (or undo it).
  const othersKey = editor.others.map((o) => `${o.raterId}:${o.revision}`).join(',');
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api['annotations.volume']({ studyId, viewerRaterId: raterId, blinded }).then((m) => live && setMasks(maskImages(volume, m)), report);
    return () => {
      live = false;
    };
  }, [enabled, studyId, raterId, blinded, volume, othersKey, editor.studyVersion, report]);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api['triage.volume']({ studyId }).then((m) => live && setModel(m && modelImages(volume, m)), report);
    return () => {
      live = false;
    };
  }, [enabled, studyId, volume, resultsVersion, report]);

  // The reader's own labelmap: the stored masks, with the slice being edited copied in as it changes.
  const own = useMemo(() => {
    const stored = masks?.get(raterId)?.image;
    if (stored) return stored;
    const [nx, ny, nz] = volume.dims;
    return gridImage(volume, [nx, ny, nz], new Uint8Array(nx * ny * nz));
  }, [masks, raterId, volume]);
  const { mask, ref, version, editable } = editor;
  const ownVersion = useMemo(() => {
    if (enabled && mask && ref && editable) (own.getPointData().getScalars().getData() as Uint8Array).set(mask, ref.sliceIndex * mask.length);
    return version;
  }, [enabled, own, mask, ref, version, editable]);

  return useMemo(() => {
    if (!enabled) return [];
    const fill = settings.outline ? 0 : 0.35;
    const layers: VtkLayer[] = [];
    if (model && settings.heat.on) layers.push({ key: 'heat', kind: 'heat', image: model.uncertainty, max: model.max, opacity: settings.heat.opacity, version: 0 });
    if (masks && settings.raters.on) {
      for (const [id, m] of masks)
        if (id !== raterId && !settings.hiddenRaters.includes(id))
          layers.push({ key: `rater-${id}`, kind: 'label', image: m.image, colour: raterColour(id), fill, opacity: settings.raters.opacity, version: 0 });
    }
    if (model && settings.bands.on) layers.push({ key: 'bands', kind: 'label', image: model.bands, colour: BAND_COLOURS[1], levels: BAND_COLOURS, fill: 0, opacity: settings.bands.opacity, version: 0 });
    if (model && settings.mean.on) layers.push({ key: 'mean', kind: 'label', image: model.mean, colour: MEAN_COLOUR, fill: 0, opacity: settings.mean.opacity, version: 0 });
    if (settings.own.on) layers.push({ key: 'own', kind: 'label', image: own, colour: OWN_COLOUR, fill, opacity: settings.own.opacity, version: ownVersion });
    return layers;
  }, [enabled, model, masks, own, ownVersion, raterId, settings]);
}
