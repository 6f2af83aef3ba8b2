import { tooltip } from '../actions/table';
import type { Response } from '../../shared/api';

type SliceMetrics = Response<'metrics.slice'>;
type StudyMetrics = Response<'metrics.study'>;

type Volumes = Response<'metrics.volumes'>;

/** Nodule size per reader, consensus, final and model mean, in the units Lung-RADS reports. */
function VolumetryTable({ volumes }: { volumes: Volumes }) {
  const measured = volumes.items.filter((v) => v.voxels > 0);
  if (!measured.length) return <p className="muted small">No mask to measure yet.</p>;
  // Without a known pixel spacing (LIDC crops, PNG cases) the sizes are in voxels, not millimetres.
  const [volumeUnit, lengthUnit] = volumes.spacingKnown ? ['mm³', 'mm'] : ['voxels', 'px'];
  return (
    <>
    {!volumes.spacingKnown && <p className="muted small" data-testid="volumetry-units">Pixel spacing unknown for this study: sizes in voxels and pixels.</p>}
    <table className="data-table volumetry" data-testid="volumetry">
      <thead>
        <tr>
          <th>Mask</th>
          <th title="nodule volume: voxels x voxel size">{volumeUnit}</th>
          <th title="longest axial diameter x the extent perpendicular to it, on the slice where it is longest">diameters, {lengthUnit}</th>
          <th title="slices the mask spans">slices</th>
        </tr>
      </thead>
      <tbody>
        {measured.map((v) => (
          <tr key={`${v.kind}-${v.name}`} data-testid={`volumetry-${v.kind}`}>
            <th className="row-name" title={v.name}>
              {v.name}
            </th>
            <td>{v.volumeMm3.toFixed(0)}</td>
            <td title={`on slice ${v.diameterSlice}`}>
              {v.longestDiameterMm.toFixed(1)} × {v.perpendicularDiameterMm.toFixed(1)}
            </td>
            <td>{v.slices}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </>
  );
}

const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));

function DiceMatrix({ names, matrix, testId }: { names: string[]; matrix: (number | null)[][]; testId: string }) {
  if (names.length < 2) return <p className="muted small">Pairwise Dice needs two raters.</p>;
  return (
    <table className="dice-matrix" data-testid={testId}>
      <thead>
        <tr>
          <th />
          {names.map((n, i) => (
            <th key={n} title={n}>
              {i + 1}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={names[i]}>
            <th title={names[i]} className="row-name">
              {i + 1} {names[i]}
            </th>
            {row.map((v, j) => (
              <td key={j} style={{ background: v === null ? undefined : `rgba(80, 200, 120, ${(v * 0.6).toFixed(2)})` }}>
                {i === j ? '' : fmt(v, 2)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface RaterPanelProps {
  slice: SliceMetrics | null;
  study: StudyMetrics | null;
  onJumpDisagreement(): void;
  onJumpMismatch(): void;
  onExport(): void;
  volumes: Response<'metrics.volumes'> | null;
}

/** Agreement as the readers work: this slice and the whole study, and how the model compares to them. */
export function RaterPanel(p: RaterPanelProps) {
  const m = p.slice;
  return (
    <section className="panel raters" data-testid="rater-panel">
      <h2>Agreement</h2>
      <h3>This slice</h3>
      {m && m.hidden > 0 ? (
        <p className="muted small">Blinded: mark the slice reviewed to see the other raters and their agreement.</p>
      ) : m ? (
        <>
          <div className="metric-line" data-testid="slice-mean-dice">
            Mean pairwise Dice <b>{fmt(m.meanPairwiseDice)}</b>
          </div>
          <DiceMatrix names={m.raters.map((r) => r.raterName)} matrix={m.pairwiseDice} testId="slice-dice-matrix" />
          {m.staple.length > 0 && (
            <table className="small staple">
              <thead>
                <tr>
                  <th>STAPLE</th>
                  <th>sens.</th>
                  <th>spec.</th>
                </tr>
              </thead>
              <tbody>
                {m.staple.map((s) => (
                  <tr key={s.raterId}>
                    <td>{m.raters.find((r) => r.raterId === s.raterId)?.raterName}</td>
                    <td>{fmt(s.sensitivity, 2)}</td>
                    <td>{fmt(s.specificity, 4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {m.model && (
            <div className="model-metrics" data-testid="slice-model-metrics">
              Model vs raters: SNCC {fmt(m.model.sncc)} · Dmax {fmt(m.model.dmax)} · CI {fmt(m.model.ci)} · GED {fmt(m.model.ged)}
            </div>
          )}
        </>
      ) : (
        <p className="muted small">No masks on this slice yet.</p>
      )}
      <h3>Whole study</h3>
      {p.study ? (
        <>
          <DiceMatrix names={p.study.raters.map((r) => r.raterName)} matrix={p.study.pairwiseDice} testId="study-dice-matrix" />
          {p.study.hidden > 0 && (
            <p className="muted small" data-testid="study-blinded-note">
              Blinded: {p.study.hidden} mask{p.study.hidden === 1 ? '' : 's'} of other raters on slices you have not reviewed left out.
            </p>
          )}
          <div className="button-row">
            <button type="button" onClick={p.onJumpDisagreement} title={tooltip('jump.disagreement')} data-testid="jump-disagreement">
              Most rater disagreement
            </button>
            <button type="button" onClick={p.onJumpMismatch} title="Slice where model uncertainty and rater disagreement differ most" data-testid="jump-mismatch">
              Model vs raters mismatch
            </button>
          </div>
        </>
      ) : (
        <p className="muted small">Loading study metrics…</p>
      )}
      <h3>Measurements</h3>
      {p.volumes ? <VolumetryTable volumes={p.volumes} /> : <p className="muted small">Measuring…</p>}
      <h3>Export</h3>
      <button type="button" onClick={p.onExport} data-testid="export-study" title="Choose formats and the destination folder">
        Export study…
      </button>
    </section>
  );
}

