import { useEffect, useRef, useState } from 'react';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import { SlicingMode } from '@kitware/vtk.js/Rendering/Core/ImageMapper/Constants';
import type { Window } from '../../shared/volume';
import { createImageSliceScene, useVtkScene } from './vtkScene';
import { imageToScreenMatrix, pixelsPerMm, screenToImage, viewCentreWorld, zoomAbout, type SliceFrame, type ViewTransform } from './viewport';
import { cross, type Vec3 } from './orientation';
import type { DisplayVolume } from './vtkImage';
import type { OrientationLabels } from './orientation';
import type { Gesture, MaskEdit, Tool } from '../tools/types';

/** A layer drawn over the image: a canvas of any resolution stretched over the slice. */
export interface OverlayLayer {
  key: string;
  canvas: HTMLCanvasElement;
  opacity: number;
}

export interface SliceViewProps {
  volume: DisplayVolume;
  image: vtkImageData;
  slice: number;
  window: Window;
  transform: ViewTransform;
  overlays: OverlayLayer[];
  labels: OrientationLabels;
  /** Screen-right runs along -i / screen-down along -j (radiological display of the file's axes). */
  flipX: boolean;
  flipY: boolean;
  /** The active tool: it owns the left-button press (see Tool.pointerDown) and may draw its cursor. */
  tool: Tool;
  toolValues: Readonly<Record<string, number>>;
  /** Starts an edit of the mask on screen for the tool; null while none is editable. */
  beginEdit(): MaskEdit | null;
  /** Adds a region of interest centred on a voxel (the ROI tool). */
  addRoi?(center: [number, number, number]): void;
  units: string;
  onTransform(t: ViewTransform): void;
  onWindow(w: Window): void;
  onScroll(delta: number): void;
}

type Drag = { kind: 'window' | 'pan' | 'zoom'; x: number; y: number; start: ViewTransform; window: Window } | { kind: 'tool'; gesture: Gesture | null } | null;

/**
 * The axial slice: vtk.js draws the image (window/level on the GPU, one slice texture per change), a 2D canvas
 * above it draws the overlays and the brush cursor through the same view transform.
 */
export function SliceView(props: SliceViewProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const vtkRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const latest = useRef(props);
  const frameRef = useRef(0);
  const cursorRef = useRef<{ x: number; y: number } | null>(null);
  const dragRef = useRef<Drag>(null);
  const sceneRef = useVtkScene(vtkRef, (container) => {
    const s = createImageSliceScene(container, () => requestDraw());
    s.mapper.setSlicingMode(SlicingMode.K);
    return {
      ...s,
      dispose: () => {
        if (frameRef.current) cancelAnimationFrame(frameRef.current);
        frameRef.current = 0;
        s.dispose();
      },
    };
  });
  const [readout, setReadout] = useState<string>('');

  useEffect(() => {
    latest.current = props;
    requestDraw();
  });

  function frameOf(p: SliceViewProps): SliceFrame {
    const size = sceneRef.current?.scene.size() ?? { width: 1, height: 1 };
    const [nx, ny] = p.volume.dims;
    const [sx, sy] = p.volume.spacing;
    return { nx, ny, sx, sy, flipX: p.flipX, flipY: p.flipY, viewWidth: size.width, viewHeight: size.height };
  }

  function requestDraw() {
    if (frameRef.current) return;
    frameRef.current = requestAnimationFrame(() => {
      frameRef.current = 0;
      draw();
    });
  }

  function draw() {
    const s = sceneRef.current;
    const p = latest.current;
    if (!s || !s.mapper.getInputData()) return;
    const f = frameOf(p);
    s.mapper.setSlice(p.slice);
    const prop = s.actor.getProperty();
    prop.setColorWindow(p.window.width);
    prop.setColorLevel(p.window.level);
    const camera = s.scene.renderer.getActiveCamera();
    const scale = pixelsPerMm(f, p.transform);
    const [fx, fy] = viewCentreWorld(f, p.transform);
    const z = p.slice * p.volume.spacing[2];
    // Camera basis from the wanted screen axes: right x up = towards the viewer, so the view direction is up x right.
    const right: Vec3 = [p.flipX ? -1 : 1, 0, 0];
    const up: Vec3 = [0, p.flipY ? 1 : -1, 0];
    const dir = cross(up, right);
    camera.setParallelProjection(true);
    camera.setFocalPoint(fx, fy, z);
    camera.setPosition(fx - dir[0] * 1000, fy - dir[1] * 1000, z - dir[2] * 1000);
    camera.setViewUp(...up);
    camera.setParallelScale(f.viewHeight / (2 * scale));
    camera.setClippingRange(1, 2000);
    s.scene.render();
    drawOverlays(f, p);
    const host = hostRef.current;
    if (host) {
      host.dataset.renderedSlice = String(p.slice);
      host.dataset.frames = String(Number(host.dataset.frames ?? 0) + 1);
    }
  }

  function drawOverlays(f: SliceFrame, p: SliceViewProps) {
    const canvas = overlayRef.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(f.viewWidth * dpr);
    const h = Math.round(f.viewHeight * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const [a, b, c, d, e, g] = imageToScreenMatrix(f, p.transform);
    ctx.setTransform(a * dpr, b, c, d * dpr, e * dpr, g * dpr);
    ctx.imageSmoothingEnabled = false;
    for (const layer of p.overlays) {
      ctx.globalAlpha = layer.opacity;
      ctx.drawImage(layer.canvas, 0, 0, f.nx, f.ny);
    }
    ctx.globalAlpha = 1;
    const cursor = cursorRef.current;
    if (cursor && p.tool.drawCursor) {
      const [i, j] = screenToImage(f, p.transform, cursor.x, cursor.y);
      p.tool.drawCursor(ctx, i, j, p.toolValues, 1 / Math.abs(a));
    }
  }


  useEffect(() => {
    const s = sceneRef.current;
    if (!s) return;
    s.mapper.setInputData(props.image);
    requestDraw();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- requestDraw reads the latest props by ref
  }, [props.image]);

  function localPoint(e: { clientX: number; clientY: number }) {
    const r = hostRef.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  function pixelAt(x: number, y: number): [number, number] {
    const p = latest.current;
    const [i, j] = screenToImage(frameOf(p), p.transform, x, y);
    return [Math.round(i), Math.round(j)];
  }

  function updateReadout(x: number, y: number) {
    const p = latest.current;
    const [i, j] = pixelAt(x, y);
    const [nx, ny] = p.volume.dims;
    if (i < 0 || j < 0 || i >= nx || j >= ny) setReadout('');
    else {
      const v = p.volume.data[i + j * nx + p.slice * nx * ny];
      setReadout(`(${i}, ${j}, ${p.slice}) ${Number.isInteger(v) ? v : v.toFixed(1)} ${p.units}`);
    }
  }

  function onPointerDown(e: React.PointerEvent) {
    const p = latest.current;
    const { x, y } = localPoint(e);
    (e.target as Element).setPointerCapture(e.pointerId);
    if (p.tool.pointerDown && e.button === 0 && !e.shiftKey && !e.altKey) {
      const [i, j] = pixelAt(x, y);
      const gesture = p.tool.pointerDown({ beginEdit: p.beginEdit, volume: p.volume, slice: p.slice, values: p.toolValues, addRoi: p.addRoi }, i, j);
      dragRef.current = { kind: 'tool', gesture: gesture ?? null };
      return;
    }
    const kind = e.button === 1 || (e.button === 0 && e.shiftKey) ? 'pan' : e.button === 2 ? 'zoom' : 'window';
    dragRef.current = { kind, x, y, start: p.transform, window: p.window };
  }

  function onPointerMove(e: React.PointerEvent) {
    const { x, y } = localPoint(e);
    cursorRef.current = { x, y };
    updateReadout(x, y);
    const drag = dragRef.current;
    const p = latest.current;
    if (drag?.kind === 'tool') {
      const [i, j] = pixelAt(x, y);
      drag.gesture?.move(i, j);
    } else if (drag) {
      const dx = x - drag.x;
      const dy = y - drag.y;
      if (drag.kind === 'pan') p.onTransform({ ...drag.start, panX: drag.start.panX + dx, panY: drag.start.panY + dy });
      else if (drag.kind === 'zoom') p.onTransform(zoomAbout(frameOf(p), drag.start, Math.exp(-dy / 150), drag.x, drag.y));
      else {
        const rate = Math.max(drag.window.width, 16) / 300;
        p.onWindow({ width: Math.max(1, drag.window.width + dx * rate), level: drag.window.level - dy * rate });
      }
    }
    requestDraw();
  }

  function onPointerUp(e: React.PointerEvent) {
    const drag = dragRef.current;
    dragRef.current = null;
    if (drag?.kind === 'tool' && drag.gesture) {
      const { x, y } = localPoint(e);
      const [i, j] = pixelAt(x, y);
      drag.gesture.end(i, j);
    }
  }

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    // React's onWheel is passive; slices must scroll without the page scrolling.
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const p = latest.current;
      if (e.ctrlKey || e.metaKey) {
        const { x, y } = localPoint(e);
        p.onTransform(zoomAbout(frameOf(p), p.transform, Math.exp(-e.deltaY / 300), x, y));
      } else p.onScroll(Math.sign(e.deltaY));
    };
    host.addEventListener('wheel', onWheel, { passive: false });
    return () => host.removeEventListener('wheel', onWheel);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one listener; it reads the latest props and scene by ref
  }, []);

  const { labels } = props;
  return (
    <div
      ref={hostRef}
      className="slice-view"
      style={{ cursor: props.tool.cursor }}
      data-tool={props.tool.id}
      data-testid="slice-view"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerLeave={() => {
        cursorRef.current = null;
        setReadout('');
        requestDraw();
      }}
      onContextMenu={(e) => e.preventDefault()}
    >
      <div ref={vtkRef} className="vtk-layer" data-testid="slice-vtk" />
      <canvas ref={overlayRef} className="overlay-layer" data-testid="slice-overlay" />
      <div className="orientation top">{labels.top}</div>
      <div className="orientation bottom">{labels.bottom}</div>
      <div className="orientation left">{labels.left}</div>
      <div className="orientation right">{labels.right}</div>
      <div className="corner top-left" data-testid="slice-number">
        Slice {props.slice + 1} / {props.volume.dims[2]}
      </div>
      <div className="corner top-right">
        W {Math.round(props.window.width)} L {Math.round(props.window.level)}
        <br />
        Zoom {props.transform.zoom.toFixed(2)}x
      </div>
      <div className="corner bottom-left" data-testid="pixel-readout">
        {readout}
      </div>
    </div>
  );
}
