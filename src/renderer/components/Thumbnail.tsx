import { useEffect, useRef } from 'react';
import type { Window } from '../../shared/volume';
import type { DisplayVolume } from '../views/vtkImage';

const SIZE = 48;

/** A small windowed picture of one slice, drawn straight from the loaded volume (no round trip), oriented like the viewer. */
export function Thumbnail({ volume, slice, window, flipX, flipY }: { volume: DisplayVolume; slice: number; window: Window; flipX: boolean; flipY: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const [nx, ny] = volume.dims;
    const ctx = canvas.getContext('2d')!;
    const image = ctx.createImageData(SIZE, SIZE);
    const lo = window.level - window.width / 2;
    const base = slice * nx * ny;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const sx = flipX ? SIZE - 1 - x : x;
        const sy = flipY ? SIZE - 1 - y : y;
        const i = Math.floor(((sx + 0.5) * nx) / SIZE);
        const j = Math.floor(((sy + 0.5) * ny) / SIZE);
        const v = Math.max(0, Math.min(255, ((volume.data[base + i + j * nx] - lo) / window.width) * 255));
        const o = (x + y * SIZE) * 4;
        image.data[o] = image.data[o + 1] = image.data[o + 2] = v;
        image.data[o + 3] = 255;
      }
    ctx.putImageData(image, 0, 0);
  }, [volume, slice, window, flipX, flipY]);
  return <canvas ref={ref} width={SIZE} height={SIZE} className="thumb" />;
}
