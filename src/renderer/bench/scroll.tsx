/**
 * Scroll benchmark page (built and driven by scripts/bench-scroll.mjs, never part of the app bundle): the real
 * SliceView scrolls through a synthetic 512x512x300 CT held by a real `caldiff serve` (reached through the
 * script's same-origin proxy), in two ways, and reports frames per second.
 *  - "volume": the app's way: the whole volume is one vtk image (studies.volume, once); a scroll changes the
 *    mapper's slice.
 *  - "per-slice": the naive way: every scroll asks the server for the slice (studies.slice) and hands vtk a new
 *    image of it (new texture, scalar range recomputed), as a viewer without a client-side volume would.
 */
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { navigate } from '../tools/navigate';
import { SliceView } from '../views/SliceView';
import { scalarRange, toVtkImage, type DisplayVolume } from '../views/vtkImage';
import { FIT } from '../views/viewport';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import { createClient, httpCall } from '../../shared/client';
import type { VoxelArray } from '../../shared/volume';

const params = new URLSearchParams(location.search);
const api = createClient(httpCall(location.origin, params.get('token') ?? ''));
const studyId = Number(params.get('study'));

type Mode = 'volume' | 'per-slice';

interface Bench {
  /** One-time cost of the volume approach: fetch the whole volume and build its vtk image. */
  loadSeconds: number;
  run(mode: Mode, slices: number): Promise<{ mode: Mode; frames: number; seconds: number; fps: number }>;
}
declare global {
  interface Window {
    bench?: Bench;
  }
}

const loadStart = performance.now();
const fetched = await api['studies.volume']({ studyId });
const volume: DisplayVolume = { dims: fetched.dims, spacing: fetched.spacing, data: fetched.data as VoxelArray };
const [NX, NY, NZ] = volume.dims;
const fullImage = toVtkImage(volume, scalarRange(volume.data));
const loadSeconds = (performance.now() - loadStart) / 1000;

/** A single-slice image as a naive client builds it from a fetched slice: vtk scans its range itself. */
function sliceImage(data: VoxelArray): vtkImageData {
  const image = vtkImageData.newInstance();
  image.setDimensions([NX, NY, 1]);
  image.setSpacing(volume.spacing);
  image.getPointData().setScalars(vtkDataArray.newInstance({ numberOfComponents: 1, values: data }));
  return image;
}

async function fetchSlice(k: number): Promise<VoxelArray> {
  return (await api['studies.slice']({ studyId, sliceIndex: k })).data as VoxelArray;
}

function Harness() {
  const [state, setState] = useState({ image: fullImage, slice: 0 });
  useEffect(() => {
    const host = () => document.querySelector<HTMLElement>('[data-testid=slice-view]')!;
    const frames = () => Number(host().dataset.frames ?? 0);
    const nextFrame = (after: number) =>
      new Promise<void>((resolve) => {
        const poll = () => (frames() > after ? resolve() : requestAnimationFrame(poll));
        poll();
      });
    window.bench = {
      loadSeconds,
      async run(mode, slices) {
        await nextFrame(0); // the first picture is on screen
        const start = performance.now();
        for (let k = 1; k <= slices; k++) {
          const before = frames();
          if (mode === 'volume') setState({ image: fullImage, slice: k % NZ });
          else setState({ image: sliceImage(await fetchSlice(k % NZ)), slice: 0 });
          await nextFrame(before);
        }
        const seconds = (performance.now() - start) / 1000;
        return { mode, frames: slices, seconds, fps: slices / seconds };
      },
    };
  }, []);
  return (
    <SliceView
      volume={state.image === fullImage ? volume : { ...volume, dims: [NX, NY, 1] }}
      image={state.image}
      slice={state.slice}
      window={{ width: 1500, level: -600 }}
      transform={FIT}
      overlays={[]}
      labels={{ left: 'R', right: 'L', top: 'A', bottom: 'P' }}
      flipX={false}
      flipY={false}
      tool={navigate}
      toolValues={{}}
      beginEdit={() => null}
      units="HU"
      onTransform={() => {}}
      onWindow={() => {}}
      onScroll={() => {}}
    />
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
