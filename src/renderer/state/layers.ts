import { useMemo } from 'react';
import { resampleNearest, unpackMask } from '../../shared/masks';
import { errorMap, majorityVote } from '../../shared/metrics';
import { BAND_LEVELS, bandThreshold } from '../../shared/editing/model';
import { BAND_COLOURS, contourCanvas, FINAL_COLOUR, heatCanvas, maskCanvas, maxOf, MEAN_COLOUR, OWN_COLOUR, raterColour, SAMPLE_COLOUR } from '../overlays/paint';
import type { OverlayLayer } from '../views/SliceView';
import type { EditorState } from './editor';
import type { SliceResult } from './model';
import type { OverlaySettings } from './overlays';

/**
 * What the axial view draws over the image, bottom to top: uncertainty, error map, a sample, the other raters,
 * the model's mean contour and the reader's own mask, each as the overlay settings say.
 */
export function useOverlayLayers(result: SliceResult | null, ed: EditorState, overlays: OverlaySettings, final: Uint8Array | null = null) {
  const { outline } = overlays;
  const model = useMemo(() => {
    if (!result) return null;
    const n = result.width * result.height;
    const samples = result.samples.map((s) => unpackMask(s, n));
    return { samples, heatMax: Math.max(1e-6, maxOf(result.uncertainty)) };
  }, [result]);

  const errorLayer = useMemo(() => {
    if (!result || !model || !ed.mask) return null;
    const raterMasks = [...(ed.mask.some((v) => v) ? [ed.mask] : []), ...ed.others.map((o) => o.pixels)];
    if (!raterMasks.length) return null;
    const reference = resampleNearest(majorityVote(raterMasks), ed.width, ed.height, result.width, result.height);
    const map = errorMap(model.samples, reference);
    const max = Math.max(1e-6, maxOf(map));
    return { canvas: heatCanvas(map, result.width, result.height, max), max };
    // ed.version marks in-place edits of ed.mask
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result, model, ed.mask, ed.others, ed.version, ed.width, ed.height]);

  const modelLayers = useMemo(() => {
    if (!result || !model) return null;
    const { width, height } = result;
    return {
      heat: heatCanvas(result.uncertainty, width, height, model.heatMax),
      mean: contourCanvas(result.mean, width, height, MEAN_COLOUR),
      bands: BAND_LEVELS.map((level, b) => ({ level, canvas: contourCanvas(result.mean, width, height, BAND_COLOURS[b], bandThreshold(level)) })),
    };
  }, [result, model]);

  const sampleLayer = useMemo(() => {
    if (!result || !model?.samples.length) return null;
    return maskCanvas(model.samples[Math.min(overlays.sample.index, model.samples.length - 1)], result.width, result.height, SAMPLE_COLOUR, outline ? 0 : 60);
  }, [result, model, overlays.sample.index, outline]);

  const raterLegend = useMemo(() => ed.others.map((o) => ({ raterId: o.raterId, name: o.raterName, colour: raterColour(o.raterId) })), [ed.others]);
  const otherLayers = useMemo(
    () => ed.others.map((o) => ({ raterId: o.raterId, key: `rater-${o.raterId}`, canvas: maskCanvas(o.pixels, ed.width, ed.height, raterColour(o.raterId), outline ? 0 : 40) })),
    [ed.others, ed.width, ed.height, outline],
  );
  const ownLayer = useMemo(
    () => (ed.mask ? maskCanvas(ed.mask, ed.width, ed.height, OWN_COLOUR, outline ? 0 : 110) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- ed.version marks in-place edits
    [ed.mask, ed.version, ed.width, ed.height, outline],
  );

  // Always an outline: the final mask sits over the raters' and the reader's own and must not hide them.
  const finalLayer = useMemo(() => (final && final.length === ed.width * ed.height ? maskCanvas(final, ed.width, ed.height, FINAL_COLOUR, 0) : null), [final, ed.width, ed.height]);

  const layers: OverlayLayer[] = [];
  if (modelLayers && overlays.heat.on) layers.push({ key: 'heat', canvas: modelLayers.heat, opacity: overlays.heat.opacity });
  if (errorLayer && overlays.error.on) layers.push({ key: 'error', canvas: errorLayer.canvas, opacity: overlays.error.opacity });
  if (sampleLayer && overlays.sample.on) layers.push({ key: 'sample', canvas: sampleLayer, opacity: overlays.sample.opacity });
  if (overlays.raters.on) for (const l of otherLayers) if (!overlays.hiddenRaters.includes(l.raterId)) layers.push({ ...l, opacity: overlays.raters.opacity });
  if (modelLayers && overlays.bands.on) for (const b of modelLayers.bands) layers.push({ key: `band-${b.level}`, canvas: b.canvas, opacity: overlays.bands.opacity });
  if (modelLayers && overlays.mean.on) layers.push({ key: 'mean', canvas: modelLayers.mean, opacity: overlays.mean.opacity });
  if (ownLayer && overlays.own.on) layers.push({ key: 'own', canvas: ownLayer, opacity: overlays.own.opacity });
  if (finalLayer && overlays.final.on) layers.push({ key: 'final', canvas: finalLayer, opacity: overlays.final.opacity });

  return { layers, hasFinal: !!finalLayer, raterLegend, heatMax: model?.heatMax ?? 0, errorMax: errorLayer?.max ?? 0, hasErrorMap: !!errorLayer };
}
