import { useEffect, useRef, type DependencyList, type RefObject } from 'react';
import '@kitware/vtk.js/Rendering/Profiles/Geometry';
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import vtkRenderWindow from '@kitware/vtk.js/Rendering/Core/RenderWindow';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';

/** One vtk.js render window living in a DOM element, sized to it (device pixels) and disposed with it. */
export interface VtkScene {
  renderWindow: vtkRenderWindow;
  renderer: vtkRenderer;
  view: vtkOpenGLRenderWindow;
  /** CSS px of the container. */
  size(): { width: number; height: number };
  render(): void;
  dispose(): void;
}

export function createScene(container: HTMLElement, onResize: () => void): VtkScene {
  const renderWindow = vtkRenderWindow.newInstance();
  const renderer = vtkRenderer.newInstance({ background: [0, 0, 0] });
  renderWindow.addRenderer(renderer);
  const view = vtkOpenGLRenderWindow.newInstance();
  view.setContainer(container);
  renderWindow.addView(view);

  let cssSize = { width: 1, height: 1 };
  const applySize = () => {
    const r = container.getBoundingClientRect();
    cssSize = { width: Math.max(1, r.width), height: Math.max(1, r.height) };
    const dpr = window.devicePixelRatio || 1;
    view.setSize(Math.round(cssSize.width * dpr), Math.round(cssSize.height * dpr));
    const canvas = view.getCanvas();
    if (canvas) {
      canvas.style.width = `${cssSize.width}px`;
      canvas.style.height = `${cssSize.height}px`;
    }
    onResize();
  };
  const observer = new ResizeObserver(applySize);
  observer.observe(container);
  applySize();

  return {
    renderWindow,
    renderer,
    view,
    size: () => cssSize,
    render: () => renderWindow.render(),
    dispose: () => {
      observer.disconnect();
      view.setContainer(null as unknown as HTMLElement);
      renderWindow.removeView(view);
      view.delete();
      renderer.delete();
      renderWindow.delete();
    },
  };
}

/** A scene showing one image slice: the 2-D views' common base. */
export interface ImageSliceScene {
  scene: VtkScene;
  mapper: vtkImageMapper;
  actor: vtkImageSlice;
  dispose(): void;
}

export function createImageSliceScene(container: HTMLElement, onResize: () => void): ImageSliceScene {
  const scene = createScene(container, onResize);
  const mapper = vtkImageMapper.newInstance();
  const actor = vtkImageSlice.newInstance();
  actor.setMapper(mapper);
  scene.renderer.addActor(actor);
  return {
    scene,
    mapper,
    actor,
    dispose: () => {
      scene.renderer.removeActor(actor);
      actor.delete();
      mapper.delete();
      scene.dispose();
    },
  };
}

/**
 * A vtk scene for a component: created in the container on mount (and again when `deps` change), disposed on
 * unmount. `create` is read when the scene is made, so it may close over the component's latest props by ref.
 */
export function useVtkScene<T extends { dispose(): void }>(container: RefObject<HTMLElement | null>, create: (el: HTMLElement) => T, deps: DependencyList = []): RefObject<T | null> {
  const scene = useRef<T | null>(null);
  useEffect(() => {
    const s = create(container.current!);
    scene.current = s;
    return () => {
      s.dispose();
      scene.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the scene lives as long as `deps` stay the same
  }, deps);
  return scene;
}
