export interface Layer {
  on: boolean;
  opacity: number;
}

export interface OverlaySettings {
  own: Layer;
  /** The slice's adjudicated final mask. */
  final: Layer;
  raters: Layer;
  mean: Layer;
  heat: Layer;
  /** Outlines where 10 %, 50 % and 90 % of the model's samples mark the pixel. */
  bands: Layer;
  sample: Layer & { index: number };
  error: Layer;
  /** Masks (own, raters, samples) as outlines only: several raters on a small nodule stay readable. */
  outline: boolean;
  /** Raters switched off one by one (ids), under the "Other raters" switch. */
  hiddenRaters: number[];
}

export const DEFAULT_OVERLAYS: OverlaySettings = {
  own: { on: true, opacity: 0.8 },
  final: { on: true, opacity: 0.9 },
  raters: { on: true, opacity: 0.7 },
  mean: { on: true, opacity: 1 },
  heat: { on: false, opacity: 0.6 },
  bands: { on: false, opacity: 1 },
  sample: { on: false, opacity: 0.8, index: 0 },
  error: { on: false, opacity: 0.6 },
  outline: false,
  hiddenRaters: [],
};

export type LayerName = { [K in keyof OverlaySettings]: OverlaySettings[K] extends Layer ? K : never }[keyof OverlaySettings];

export function toggleLayer(s: OverlaySettings, name: LayerName): OverlaySettings {
  return { ...s, [name]: { ...s[name], on: !s[name].on } };
}

/** Show the next (or previous) of `count` model samples, wrapping around. */
export function stepSample(s: OverlaySettings, delta: number, count: number): OverlaySettings {
  if (!count) return s;
  return { ...s, sample: { ...s.sample, on: true, index: (s.sample.index + delta + count) % count } };
}

export function toggleRater(s: OverlaySettings, raterId: number): OverlaySettings {
  const hidden = s.hiddenRaters.includes(raterId) ? s.hiddenRaters.filter((id) => id !== raterId) : [...s.hiddenRaters, raterId];
  return { ...s, hiddenRaters: hidden };
}
