import { tooltip } from '../actions/table';
import { stepSample, toggleRater, type LayerName, type OverlaySettings } from '../state/overlays';
import { BAND_LEVELS } from '../../shared/editing/model';
import { crossEntropy, uncertaintyByCount } from '../../shared/metrics/uncertainty';
import { BAND_COLOURS, heatGradientCss, OWN_COLOUR, rgbCss, type Rgb } from '../overlays/paint';

export interface RaterLegend {
  raterId: number;
  name: string;
  colour: Rgb;
}

export interface OverlayPanelProps {
  settings: OverlaySettings;
  hasResult: boolean;
  sampleCount: number;
  heatMax: number;
  errorMax: number;
  hasErrorMap: boolean;
  raters: RaterLegend[];
  ownName: string;
  hasFinal: boolean;
  hidden: number;
  onChange(s: OverlaySettings): void;
}

function LayerRow({ name, label, p, disabled, testId }: { name: LayerName; label: string; p: OverlayPanelProps; disabled?: boolean; testId: string }) {
  const layer = p.settings[name];
  const set = (patch: Partial<typeof layer>) => p.onChange({ ...p.settings, [name]: { ...layer, ...patch } });
  return (
    <div className={`layer-row ${disabled ? 'disabled' : ''}`}>
      <label className="check">
        <input type="checkbox" checked={layer.on && !disabled} disabled={disabled} onChange={() => set({ on: !layer.on })} data-testid={`overlay-${testId}`} /> {label}
      </label>
      <input
        type="range"
        aria-label={`${label} opacity`}
        min={0}
        max={1}
        step={0.05}
        value={layer.opacity}
        disabled={disabled}
        onChange={(e) => set({ opacity: Number(e.target.value) })}
      />
    </div>
  );
}

/**
 * A map's ramp from 0 to `max` (in the map's own unit, nats), ticked in the unit the reader is shown: `perUnit`
 * nats make one of it.
 */
function ColourBar({ max, perUnit, digits, label, note }: { max: number; perUnit: number; digits: number; label: string; note: string }) {
  const shown = max / perUnit;
  return (
    <div className="colour-bar" data-testid="colour-bar" title={note}>
      <div className="ramp" style={{ background: heatGradientCss() }} />
      <div className="ticks">
        <span>{shown.toFixed(digits)}</span>
        <span>{(shown / 2).toFixed(digits)}</span>
        <span>0</span>
      </div>
      <div className="units">{label}</div>
    </div>
  );
}

/**
 * Both maps are means of cross-entropies clipped at 1e-8: a sample that contradicts its target costs -ln(1e-8)
 * = 18.42 nats, so the error map over that is the share of samples that contradict the raters, and the
 * uncertainty map (2 m (1 - m) of it, m the share of samples marking the pixel) tops out at 9.21 nats where half
 * the samples mark the pixel. Shown as shares, they mean the same whatever the clipping.
 */
const CONTRADICTION_NATS = crossEntropy(0, 1);
const COIN_FLIP_NATS = uncertaintyByCount(2)[1];

export function OverlayPanel(p: OverlayPanelProps) {
  const s = p.settings;
  const noResult = !p.hasResult;
  return (
    <section className="panel overlays" data-testid="overlay-panel">
      <h2>Overlays</h2>
      <label className="check" title={tooltip('overlay.outline')}>
        <input type="checkbox" checked={s.outline} onChange={() => p.onChange({ ...s, outline: !s.outline })} data-testid="overlay-outline" /> Masks as outlines
      </label>
      <LayerRow name="own" label="My mask" p={p} testId="own" />
      <ul className="legend">
        <li>
          <span className="swatch" style={{ background: rgbCss(OWN_COLOUR) }} /> {p.ownName}
        </li>
      </ul>
      <LayerRow name="final" label="Final (adjudicated)" p={p} disabled={!p.hasFinal} testId="final" />
      <LayerRow name="raters" label="Other raters" p={p} testId="raters" />
      <ul className="legend">
        {p.raters.map((r) => (
          <li key={r.raterId}>
            <label className="check">
              <input type="checkbox" checked={!s.hiddenRaters.includes(r.raterId)} onChange={() => p.onChange(toggleRater(s, r.raterId))} data-testid="rater-toggle" data-rater={r.name} />
              <span className="swatch" style={{ background: rgbCss(r.colour) }} /> {r.name}
            </label>
          </li>
        ))}
        {p.hidden > 0 && (
          <li className="muted small" data-testid="blinded-note">
            {p.hidden} other rater{p.hidden === 1 ? '' : 's'} hidden until you mark this slice reviewed (blinded)
          </li>
        )}
      </ul>
      <LayerRow name="mean" label="Model mean contour" p={p} disabled={noResult} testId="mean" />
      <LayerRow name="heat" label="Uncertainty map" p={p} disabled={noResult} testId="heat" />
      {s.heat.on && p.hasResult && <ColourBar
          max={p.heatMax}
          perUnit={COIN_FLIP_NATS}
          digits={2}
          label="uncertainty, 0–1 (1 = half the samples mark the pixel)"
          note={`The samples' disagreement per pixel: 0 where all agree, 1 where half of them mark the pixel (${COIN_FLIP_NATS.toFixed(2)} nats of cross-entropy, the ceiling).`}
        />}
      <LayerRow name="bands" label="Uncertainty bands" p={p} disabled={noResult} testId="bands" />
      {s.bands.on && p.hasResult && (
        <ul className="legend" data-testid="bands-legend">
          {BAND_LEVELS.map((level, b) => (
            <li key={level}>
              <span className="swatch" style={{ background: rgbCss(BAND_COLOURS[b]) }} /> {Math.round(level * 100)} % of samples
            </li>
          ))}
        </ul>
      )}
      <LayerRow name="sample" label="Model sample" p={p} disabled={noResult} testId="sample" />
      {p.hasResult && (
        <div className="sample-stepper">
          <button type="button" onClick={() => p.onChange(stepSample(s, -1, p.sampleCount))} title={tooltip('sample.previous')}>
            ‹
          </button>
          <span data-testid="sample-index">
            sample {s.sample.index + 1} of {p.sampleCount}
          </span>
          <button type="button" onClick={() => p.onChange(stepSample(s, 1, p.sampleCount))} title={tooltip('sample.next')}>
            ›
          </button>
        </div>
      )}
      <LayerRow name="error" label="Error map (samples vs raters' majority)" p={p} disabled={noResult || !p.hasErrorMap} testId="error" />
      {s.error.on && p.hasResult && p.hasErrorMap && <ColourBar
          max={p.errorMax}
          perUnit={CONTRADICTION_NATS / 100}
          digits={0}
          label="% of samples contradicting the raters"
          note={`The share of the model's samples that contradict the raters' majority on each pixel (a contradicting sample costs ${CONTRADICTION_NATS.toFixed(2)} nats of cross-entropy, clipped at 1e-8).`}
        />}
    </section>
  );
}
