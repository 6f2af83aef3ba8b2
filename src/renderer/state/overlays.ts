export interface Layer {
  on: boolean;
  opacity: number;
}

export interface OverlaySettings {
  own: Layer;
  raters: Layer;
  mean: Layer;
  heat: Layer;
  sample: Layer & { index: number };
  error: Layer;
}

export const DEFAULT_OVERLAYS: OverlaySettings = {
  own: { on: true, opacity: 0.8 },
  raters: { on: true, opacity: 0.7 },
  mean: { on: true, opacity: 1 },
  heat: { on: false, opacity: 0.6 },
  sample: { on: false, opacity: 0.8, index: 0 },
  error: { on: false, opacity: 0.6 },
};

export type LayerName = keyof OverlaySettings;

export function toggleLayer(s: OverlaySettings, name: LayerName): OverlaySettings {
  return { ...s, [name]: { ...s[name], on: !s[name].on } };
}

/** Show the next (or previous) of `count` model samples, wrapping around. */
export function stepSample(s: OverlaySettings, delta: number, count: number): OverlaySettings {
  if (!count) return s;
  return { ...s, sample: { ...s.sample, on: true, index: (s.sample.index + delta + count) % count } };
}
