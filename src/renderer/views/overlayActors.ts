import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper';
import type { SlicingMode } from '@kitware/vtk.js/Rendering/Core/ImageMapper/Constants';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';
import type vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import { heatTransfer, type Rgb } from '../overlays/paint';

/**
 * What a vtk view draws over the image, bottom to top: labelmaps (a rater's mask, the model's mean) and
 * colour-mapped maps (the uncertainty), each a vtk image in the same display space as the study's image.
 */
export type VtkLayer =
  | {
      key: string;
      kind: 'label';
      image: vtkImageData;
      colour: Rgb;
      /** Nested bands (label values 1..n, the uncertainty bands): one colour per value instead of `colour`. */
      levels?: readonly Rgb[];
      /** Opacity of the inside; the outline is drawn at `opacity`. 0 = outline only. */
      fill: number;
      opacity: number;
      /** Bumped when the image's voxels change in place (a stroke on the reader's own mask). */
      version: number;
    }
  | { key: string; kind: 'heat'; image: vtkImageData; max: number; opacity: number; version: number };

/** Outline width in screen pixels on the 2-D planes. */
const OUTLINE_PX = 1;

interface PlaneActor {
  mapper: vtkImageMapper;
  actor: vtkImageSlice;
  shown: VtkLayer | null;
}

/** The slice index of an image along an axis nearest a world position (images may sit on a coarser grid). */
function sliceAt(image: vtkImageData, axis: 0 | 1 | 2, world: number): number {
  const k = Math.round((world - image.getOrigin()[axis]) / image.getSpacing()[axis]);
  return Math.max(0, Math.min(image.getDimensions()[axis] - 1, k));
}

/** What decides a layer's colours and opacities (not its voxels). */
const lookOf = (l: VtkLayer) => (l.kind === 'label' ? `label ${(l.levels ?? [l.colour]).join(';')} ${l.fill} ${l.opacity}` : `heat ${l.max} ${l.opacity}`);

function applyLook(prop: ReturnType<vtkImageSlice['getProperty']>, layer: VtkLayer) {
  const colour = layer.kind === 'heat' ? heatTransfer(layer.max) : vtkColorTransferFunction.newInstance();
  const opacity = vtkPiecewiseFunction.newInstance();
  if (layer.kind === 'label') {
    colour.addRGBPoint(0, 0, 0, 0);
    opacity.addPoint(0, 0);
    (layer.levels ?? [layer.colour]).forEach((rgb, v) => {
      const [r, g, b] = rgb.map((c) => c / 255);
      colour.addRGBPoint(v + 1, r, g, b);
      opacity.addPoint(v + 1, layer.fill);
    });
    prop.setUseLabelOutline(true);
    prop.setLabelOutlineThickness(OUTLINE_PX);
    prop.setLabelOutlineOpacity(layer.opacity);
    prop.setOpacity(layer.opacity);
  } else {
    // Near-zero uncertainty stays clear so the anatomy shows through; the ramp then rises to opaque.
    opacity.addPoint(0, 0);
    opacity.addPoint(layer.max * 0.02, 0);
    opacity.addPoint(layer.max * 0.021, 0.35);
    opacity.addPoint(layer.max, 1);
    prop.setUseLabelOutline(false);
    prop.setOpacity(layer.opacity);
  }
  prop.setRGBTransferFunction(0, colour);
  prop.setPiecewiseFunction(0, opacity);
  prop.setUseLookupTableScalarRange(true);
  prop.setInterpolationTypeToNearest();
}

/** The overlay layers of one 2-D plane (axial, coronal or sagittal): one image slice actor a layer. */
export class PlaneOverlays {
  private readonly actors = new Map<string, PlaneActor>();

  constructor(
    private readonly renderer: vtkRenderer,
    private readonly mode: SlicingMode,
    private readonly axis: 0 | 1 | 2,
  ) {}

  /** Show these layers at a world position along the plane's axis; layers not listed go away. */
  update(layers: readonly VtkLayer[], world: number): void {
    const keep = new Set(layers.map((l) => l.key));
    for (const [key, a] of this.actors) if (!keep.has(key)) this.remove(key, a);
    layers.forEach((layer, order) => {
      let a = this.actors.get(layer.key);
      if (!a) {
        const mapper = vtkImageMapper.newInstance();
        mapper.setSlicingMode(this.mode);
        mapper.setResolveCoincidentTopologyToPolygonOffset();
        const actor = vtkImageSlice.newInstance();
        actor.setMapper(mapper);
        this.renderer.addActor(actor);
        a = { mapper, actor, shown: null };
        this.actors.set(layer.key, a);
      }
      const prev = a.shown;
      if (prev?.image !== layer.image) a.mapper.setInputData(layer.image);
      else if (prev.version !== layer.version) layer.image.modified();
      if (!prev || lookOf(prev) !== lookOf(layer)) applyLook(a.actor.getProperty(), layer);
      a.mapper.setSlice(sliceAt(layer.image, this.axis, world));
      // Every layer lies in the image's plane: a depth offset growing with the order stacks them above it.
      a.mapper.setRelativeCoincidentTopologyPolygonOffsetParameters(-1, -2 * (order + 1));
      a.shown = layer;
    });
  }

  dispose(): void {
    for (const [key, a] of this.actors) this.remove(key, a);
  }

  private remove(key: string, a: PlaneActor) {
    this.renderer.removeActor(a.actor);
    a.actor.delete();
    a.mapper.delete();
    this.actors.delete(key);
  }
}

/** The voxels of a 0/1 labelmap inside their bounding box, one voxel of margin: marching cubes then costs the mask's size, not the volume's. */
function cropToMask(image: vtkImageData): vtkImageData | null {
  const [nx, ny, nz] = image.getDimensions();
  const data = image.getPointData().getScalars().getData() as Uint8Array;
  let lo = [nx, ny, nz];
  let hi = [-1, -1, -1];
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++)
        if (data[p]) {
          lo = [Math.min(lo[0], i), Math.min(lo[1], j), Math.min(lo[2], k)];
          hi = [Math.max(hi[0], i), Math.max(hi[1], j), Math.max(hi[2], k)];
        }
  if (hi[0] < 0) return null;
  const a = lo.map((v) => v - 1);
  const size = [hi[0] - a[0] + 2, hi[1] - a[1] + 2, hi[2] - a[2] + 2];
  const out = new Uint8Array(size[0] * size[1] * size[2]);
  for (let k = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++)
      for (let i = 0; i < size[0]; i++) {
        const [x, y, z] = [a[0] + i, a[1] + j, a[2] + k];
        if (x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz) out[i + size[0] * (j + size[1] * k)] = data[x + nx * (y + ny * z)];
      }
  const spacing = image.getSpacing();
  const origin = image.getOrigin();
  const crop = vtkImageData.newInstance();
  crop.setDimensions(size);
  crop.setSpacing(spacing);
  crop.setOrigin([origin[0] + a[0] * spacing[0], origin[1] + a[1] * spacing[1], origin[2] + a[2] * spacing[2]]);
  crop.getPointData().setScalars(vtkDataArray.newInstance({ name: 'label', numberOfComponents: 1, values: out }));
  return crop;
}

interface SurfaceActor {
  actor: vtkActor;
  mapper: vtkMapper;
  shown: VtkLayer;
}

/** Whether a layer becomes a surface in 3D: a mask does; nested bands would only hide each other there. */
export const isSurfaceLayer = (l: VtkLayer): l is Extract<VtkLayer, { kind: 'label' }> => l.kind === 'label' && !l.levels;

/** The labelmap layers in 3D: one surface a layer (the 0.5 iso-surface of the mask), in the layer's colour. */
export class SurfaceOverlays {
  private readonly actors = new Map<string, SurfaceActor>();

  constructor(private readonly renderer: vtkRenderer) {}

  update(layers: readonly VtkLayer[]): void {
    const labels = layers.filter(isSurfaceLayer);
    const keep = new Set(labels.map((l) => l.key));
    for (const [key, a] of this.actors) if (!keep.has(key)) this.remove(key, a);
    for (const layer of labels) {
      const a = this.actors.get(layer.key);
      if (a && a.shown.image === layer.image && a.shown.version === layer.version) {
        a.shown = layer;
        continue;
      }
      if (a) this.remove(layer.key, a);
      const crop = cropToMask(layer.image);
      if (!crop) continue;
      const cubes = vtkImageMarchingCubes.newInstance({ contourValue: 0.5, computeNormals: true, mergePoints: true });
      cubes.setInputData(crop);
      const mapper = vtkMapper.newInstance();
      mapper.setInputData(cubes.getOutputData());
      cubes.delete();
      const actor = vtkActor.newInstance();
      actor.setMapper(mapper);
      const [r, g, b] = layer.colour.map((c) => c / 255);
      // Opaque: nested translucent surfaces of several readers would blend into one grey.
      actor.getProperty().setColor(r, g, b);
      actor.getProperty().setAmbient(0.25);
      actor.getProperty().setDiffuse(0.75);
      this.renderer.addActor(actor);
      this.actors.set(layer.key, { actor, mapper, shown: layer });
    }
  }

  dispose(): void {
    for (const [key, a] of this.actors) this.remove(key, a);
  }

  private remove(key: string, a: SurfaceActor) {
    this.renderer.removeActor(a.actor);
    a.actor.delete();
    a.mapper.delete();
    this.actors.delete(key);
  }
}
