import { useEffect, useRef } from 'react';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkRenderWindowInteractor from '@kitware/vtk.js/Rendering/Core/RenderWindowInteractor';
import vtkInteractorStyleTrackballCamera from '@kitware/vtk.js/Interaction/Style/InteractorStyleTrackballCamera';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Geometry, Intensity, Window } from '../../shared/volume';
import { axisSigns } from './orientation';
import { isSurfaceLayer, SurfaceOverlays, type VtkLayer } from './overlayActors';
import { createScene, useVtkScene, type VtkScene } from './vtkScene';

/**
 * 3D volume rendering of the study: the transfer function follows the reader's window (transparent below it,
 * opaque above), drag to rotate, wheel to zoom.
 */
export interface VolumeViewProps {
  image: vtkImageData;
  direction: Geometry['direction'];
  intensity: Intensity;
  window: Window;
  /** Masks over the whole study: the labelmaps are drawn as surfaces. */
  overlays: readonly VtkLayer[];
}

/** Hounsfield data gets a bone-and-soft-tissue transfer function (air and lung clear); other data follows the window. */
function transferRange(intensity: Intensity, win: Window): [number, number] {
  return intensity === 'HU' ? [150, 1200] : [win.level - win.width / 2, win.level + win.width / 2];
}

export function VolumeView({ image, direction, intensity, window: win, overlays }: VolumeViewProps) {
  const ref = useRef<HTMLDivElement>(null);
  const surfaceCount = overlays.filter(isSurfaceLayer).length;
  const hasSurfaces = surfaceCount > 0;
  const sceneRef = useVtkScene(
    ref,
    (container) => {
      let scene: VtkScene | null = null;
      scene = createScene(container, () => scene?.render());
      const mapper = vtkVolumeMapper.newInstance();
      mapper.setInputData(image);
      const spacing = image.getSpacing();
      mapper.setSampleDistance(Math.min(...spacing) * 0.7);
      const actor = vtkVolume.newInstance();
      actor.setMapper(mapper);
      scene.renderer.addVolume(actor);
      const camera = scene.renderer.getActiveCamera();
      // Anterior view, superior up: the camera sits in front of the patient looking towards posterior.
      const signs = axisSigns(direction);
      camera.setViewUp(0, 0, signs.k);
      camera.setPosition(0, -signs.j, 0);
      camera.setFocalPoint(0, 0, 0);
      scene.renderer.resetCamera();
      const interactor = vtkRenderWindowInteractor.newInstance();
      interactor.setView(scene.view);
      interactor.initialize();
      interactor.bindEvents(container);
      interactor.setInteractorStyle(vtkInteractorStyleTrackballCamera.newInstance());
      const surfaces = new SurfaceOverlays(scene.renderer);
      return {
        scene,
        actor,
        surfaces,
        dispose: () => {
          surfaces.dispose();
          interactor.unbindEvents();
          interactor.delete();
          scene.renderer.removeVolume(actor);
          actor.delete();
          mapper.delete();
          scene.dispose();
        },
      };
    },
    [image, direction],
  );

  useEffect(() => {
    const s = sceneRef.current;
    if (!s) return;
    s.surfaces.update(overlays);
    s.scene.render();
  }, [overlays, sceneRef]);

  useEffect(() => {
    const s = sceneRef.current;
    if (!s) return;
    const [lo, hi] = transferRange(intensity, win);
    const colour = vtkColorTransferFunction.newInstance();
    colour.addRGBPoint(lo, 0.1, 0.05, 0.05);
    colour.addRGBPoint(lo + (hi - lo) * 0.5, 0.85, 0.55, 0.4);
    colour.addRGBPoint(hi, 1, 0.95, 0.9);
    // With masks shown as surfaces the anatomy becomes a faint context, or it would hide them.
    const context = hasSurfaces ? 0.08 : 1;
    const opacity = vtkPiecewiseFunction.newInstance();
    opacity.addPoint(lo, 0);
    opacity.addPoint(lo + (hi - lo) * 0.15, 0.2 * context);
    opacity.addPoint(hi, 0.85 * context);
    const prop = s.actor.getProperty();
    prop.setRGBTransferFunction(0, colour);
    prop.setScalarOpacity(0, opacity);
    prop.setInterpolationTypeToLinear();
    prop.setShade(true);
    prop.setAmbient(0.3);
    prop.setDiffuse(0.7);
    s.scene.render();
  }, [win, image, intensity, hasSurfaces, sceneRef]);

  return (
    <div className="volume-view" data-testid="volume-view" data-overlays={surfaceCount}>
      <div ref={ref} className="vtk-layer" />
      <div className="corner top-left">3D · drag to rotate</div>
    </div>
  );
}
