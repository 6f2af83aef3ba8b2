import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Rater, Response, ReviewStatus } from '../shared/api';
import { unpackMask } from '../shared/masks';
import { errorMap, majorityVote } from '../shared/metrics';
import type { Window } from '../shared/volume';
import { api } from './api';
import type { Engine } from './components/EngineStatus';
import { OverlayPanel } from './components/OverlayPanel';
import { QueuePanel } from './components/QueuePanel';
import { RaterPanel } from './components/RaterPanel';
import { ToolPanel } from './components/ToolPanel';
import { contourCanvas, heatCanvas, maskCanvas, maxOf, MEAN_COLOUR, OWN_COLOUR, RATER_COLOURS, SAMPLE_COLOUR } from './overlays/paint';
import { resampleNearest } from './overlays/resample';
import { AnnotationEditor } from './state/editor';
import { useErrors } from './state/errors';
import { DEFAULT_OVERLAYS, type OverlaySettings } from './state/overlays';
import { defaultWindowFor, presetsFor } from './state/presets';
import type { OpenStudy } from './state/study';
import { useTriage } from './state/triage';
import { MprView } from './views/MprView';
import { axisSigns, labelsFor } from './views/orientation';
import { SliceView, type OverlayLayer, type PaintPhase, type ToolName } from './views/SliceView';
import { FIT, type ViewTransform } from './views/viewport';

type SliceResult = NonNullable<Response<'triage.result'>>;
type SliceMetrics = Response<'metrics.slice'>;
type StudyMetrics = Response<'metrics.study'>;

export interface WorkspaceProps {
  study: OpenStudy;
  rater: Rater;
  blinded: boolean;
  layout: 'axial' | 'mpr';
  helpOpen: boolean;
  /** The slice to open on (a queue entry of this study picked from the all-studies queue). */
  initialSlice: number;
  /** Open another study at a slice (from the all-studies queue). */
  onOpenStudy(studyId: number, slice: number): void;
}

/** Keys belong to a focused text field or slider; checkboxes and buttons leave the shortcuts working. */
const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && ((t instanceof HTMLInputElement && !['checkbox', 'radio', 'button'].includes(t.type)) || t.tagName === 'TEXTAREA' || t.isContentEditable);

/** Everything about one open study: the viewer, the queue, the tools, the overlays and the agreement panel. */
export function Workspace({ study, rater, blinded, layout, helpOpen, initialSlice, onOpenStudy }: WorkspaceProps) {
  const { report } = useErrors();
  const { detail, volume, image, range } = study;
  const studyId = detail.id;
  const depth = volume.dims[2];

  const [slice, setSlice] = useState(() => Math.min(initialSlice, study.volume.dims[2] - 1));
  const [win, setWin] = useState<Window>(() => defaultWindowFor(detail.intensity, detail.window));
  const [transform, setTransform] = useState<ViewTransform>(FIT);
  const [tool, setTool] = useState<ToolName>('navigate');
  const [brushRadius, setBrushRadius] = useState(3);
  const [overlays, setOverlays] = useState<OverlaySettings>(DEFAULT_OVERLAYS);
  const [unreviewedOnly, setUnreviewedOnly] = useState(false);
  const [allStudies, setAllStudies] = useState(false);
  const [statuses, setStatuses] = useState<Map<number, ReviewStatus>>(new Map());
  const [result, setResult] = useState<SliceResult | null>(null);
  const [sliceMetrics, setSliceMetrics] = useState<SliceMetrics | null>(null);
  const [studyMetrics, setStudyMetrics] = useState<StudyMetrics | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<string[] | null>(null);

  const [editor] = useState(() => new AnnotationEditor(report));
  const ed = useSyncExternalStore(editor.subscribe, editor.snapshot);
  const triage = useTriage(studyId, rater.id, allStudies, report);
  // The model and its execution provider; the provider is known once a run has opened the model.
  const [engine, setEngine] = useState<Engine | null>(null);
  const jobState = triage.job?.state;
  useEffect(() => {
    api['models.list']({}).then(setEngine, report);
  }, [jobState, report]);
  const presets = useMemo(() => presetsFor(detail.intensity, detail.window, range), [detail, range]);
  const signs = useMemo(() => axisSigns(detail.geometry.direction), [detail]);
  const labels = useMemo(() => labelsFor(detail.geometry.direction, [signs.i, 0, 0], [0, signs.j, 0]), [detail, signs]);
  const status: ReviewStatus = statuses.get(slice) ?? 'unreviewed';

  const goTo = useCallback((k: number) => setSlice(Math.max(0, Math.min(depth - 1, Math.round(k)))), [depth]);

  // ----- data for the current slice -----
  useEffect(() => {
    void editor.load({ studyId, sliceIndex: slice, raterId: rater.id, blinded });
  }, [editor, studyId, slice, rater.id, blinded]);

  const fetchStatuses = useCallback(
    () => api['review.list']({ studyId, raterId: rater.id }).then((list) => new Map(list.map((r) => [r.sliceIndex, r.status]))),
    [studyId, rater.id],
  );
  useEffect(() => {
    fetchStatuses().then(setStatuses, report);
  }, [fetchStatuses, report]);

  useEffect(() => {
    let live = true;
    api['triage.result']({ studyId, sliceIndex: slice }).then((r) => live && setResult(r), report);
    return () => {
      live = false;
    };
  }, [studyId, slice, triage.resultsVersion, report]);

  // Agreement follows saved edits; a short delay folds a burst of strokes into one request.
  const savedRevision = ed.revision;
  const othersKey = ed.others.map((o) => `${o.raterId}:${o.revision}`).join(',');
  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      const viewer = { viewerRaterId: rater.id, blinded };
      api['metrics.slice']({ studyId, sliceIndex: slice, ...viewer }).then((m) => live && setSliceMetrics(m), report);
      api['metrics.study']({ studyId, ...viewer }).then((m) => live && setStudyMetrics(m), report);
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [studyId, slice, rater.id, blinded, savedRevision, othersKey, triage.resultsVersion, report]);

  // ----- actions -----
  const setReview = useCallback(
    async (s: ReviewStatus) => {
      try {
        await api['review.set']({ studyId, sliceIndex: slice, raterId: rater.id, status: s });
        const [list] = await Promise.all([fetchStatuses(), triage.refreshQueue(), editor.reload()]);
        setStatuses(list);
      } catch (e) {
        report(e);
      }
    },
    [studyId, slice, rater.id, fetchStatuses, triage, editor, report],
  );

  const modelMask = useCallback(
    (which: 'mean' | 'sample'): Uint8Array | null => {
      if (!result || !ed.mask) return null;
      const n = result.width * result.height;
      const pixels =
        which === 'mean'
          ? Uint8Array.from(result.mean, (v) => (v >= 0.5 ? 1 : 0))
          : unpackMask(result.samples[Math.min(overlays.sample.index, result.samples.length - 1)], n);
      return resampleNearest(pixels, result.width, result.height, ed.width, ed.height);
    },
    [result, ed.mask, ed.width, ed.height, overlays.sample.index],
  );

  const fromModel = useCallback(
    (which: 'mean' | 'sample') => {
      const m = modelMask(which);
      if (m) editor.replace(m, which === 'mean' ? 'model-mean' : 'model-sample');
    },
    [modelMask, editor],
  );

  const clearMask = useCallback(() => {
    if (ed.mask) editor.replace(new Uint8Array(ed.mask.length), 'manual');
  }, [ed.mask, editor]);

  const queueOrder = useMemo(
    () => (unreviewedOnly ? triage.queue.items.filter((i) => i.status === 'unreviewed') : triage.queue.items),
    [triage.queue.items, unreviewedOnly],
  );
  const openQueueItem = useCallback(
    (item: { studyId: number; sliceIndex: number }) => (item.studyId === studyId ? goTo(item.sliceIndex) : onOpenStudy(item.studyId, item.sliceIndex)),
    [studyId, goTo, onOpenStudy],
  );
  const stepQueue = useCallback(
    (delta: number) => {
      if (!queueOrder.length) return;
      const at = queueOrder.findIndex((i) => i.studyId === studyId && i.sliceIndex === slice);
      const next = at < 0 ? (delta > 0 ? 0 : queueOrder.length - 1) : Math.max(0, Math.min(queueOrder.length - 1, at + delta));
      openQueueItem(queueOrder[next]);
    },
    [queueOrder, studyId, slice, openQueueItem],
  );

  const jumpDisagreement = useCallback(() => {
    const slices = (studyMetrics?.slices ?? []).filter((s) => s.meanPairwiseDice !== null);
    if (!slices.length) return report(new Error('No slice has masks from two raters yet, so there is no disagreement to jump to.'));
    goTo(slices.reduce((a, b) => (b.meanPairwiseDice! < a.meanPairwiseDice! ? b : a)).sliceIndex);
  }, [studyMetrics, goTo, report]);

  const jumpMismatch = useCallback(() => {
    const slices = (studyMetrics?.slices ?? []).filter((s) => s.meanPairwiseDice !== null && s.uncertainty !== null);
    if (!slices.length) return report(new Error('Mismatch needs triage results and masks from two raters on the same slices.'));
    const maxU = Math.max(1e-12, ...slices.map((s) => s.uncertainty!));
    const gap = (s: (typeof slices)[number]) => Math.abs(s.uncertainty! / maxU - (1 - s.meanPairwiseDice!));
    goTo(slices.reduce((a, b) => (gap(b) > gap(a) ? b : a)).sliceIndex);
  }, [studyMetrics, goTo, report]);

  const exportStudy = useCallback(async () => {
    setExporting(true);
    try {
      const info = await api['app.info']({});
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const safeName = detail.name.replace(/[^\w.-]+/g, '_');
      const res = await api['export.study']({ studyId, outDir: `${info.dataDir}/exports/${safeName}-${stamp}`, formats: ['nifti', 'png', 'report'] });
      setExported(res.files);
    } catch (e) {
      report(e);
    } finally {
      setExporting(false);
    }
  }, [studyId, detail.name, report]);

  // ----- painting -----
  const onPaint = useCallback(
    (phase: PaintPhase, i: number, j: number) => {
      if (tool !== 'brush' && tool !== 'eraser') return;
      if (phase === 'start') editor.beginStroke(tool, i, j, brushRadius);
      else if (phase === 'move') editor.moveStroke(i, j);
      else editor.endStroke();
    },
    [tool, brushRadius, editor],
  );

  // ----- keyboard -----
  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  useEffect(() => {
    keys.current = (e: KeyboardEvent) => {
      if (isTyping(e.target) || helpOpen) return;
      const ctrl = e.ctrlKey || e.metaKey;
      const k = e.key;
      if (ctrl && (k === 'z' || k === 'Z')) return (e.preventDefault(), e.shiftKey ? editor.redo() : editor.undo());
      if (ctrl && (k === 'y' || k === 'Y')) return (e.preventDefault(), editor.redo());
      if (ctrl || e.altKey) return;
      const sampleCount = result?.samples.length ?? 0;
      const handled: Record<string, () => void> = {
        ArrowUp: () => goTo(slice - 1),
        ArrowLeft: () => goTo(slice - 1),
        ArrowDown: () => goTo(slice + 1),
        ArrowRight: () => goTo(slice + 1),
        PageUp: () => goTo(slice - 10),
        PageDown: () => goTo(slice + 10),
        Home: () => goTo(0),
        End: () => goTo(depth - 1),
        '0': () => setTransform(FIT),
        j: () => stepQueue(1),
        n: () => stepQueue(1),
        k: () => stepQueue(-1),
        p: () => stepQueue(-1),
        r: () => void setReview('reviewed'),
        l: () => void setReview('second-look'),
        u: () => void setReview('unreviewed'),
        t: () => void triage.start(),
        d: jumpDisagreement,
        v: () => setTool('navigate'),
        b: () => setTool('brush'),
        e: () => setTool('eraser'),
        f: () => setTool('fill'),
        '[': () => setBrushRadius((r) => Math.max(0, r - 1)),
        ']': () => setBrushRadius((r) => Math.min(30, r + 1)),
        m: () => fromModel('mean'),
        s: () => fromModel('sample'),
        Delete: clearMask,
        o: () => setOverlays((o) => ({ ...o, mean: { ...o.mean, on: !o.mean.on } })),
        h: () => setOverlays((o) => ({ ...o, heat: { ...o.heat, on: !o.heat.on } })),
        a: () => setOverlays((o) => ({ ...o, raters: { ...o.raters, on: !o.raters.on } })),
        x: () => setOverlays((o) => ({ ...o, error: { ...o.error, on: !o.error.on } })),
        g: () => sampleCount && setOverlays((o) => ({ ...o, sample: { ...o.sample, on: true, index: (o.sample.index + 1) % sampleCount } })),
        G: () => sampleCount && setOverlays((o) => ({ ...o, sample: { ...o.sample, on: true, index: (o.sample.index + sampleCount - 1) % sampleCount } })),
      };
      if (/^[1-9]$/.test(k)) {
        setWin(presets[Number(k) - 1].window);
        e.preventDefault();
        return;
      }
      const action = handled[k] ?? handled[k.toLowerCase()];
      if (action && !(k === 'G' && !e.shiftKey)) {
        e.preventDefault();
        action();
      }
    };
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => keys.current(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  // ----- overlays -----
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
    };
  }, [result, model]);

  const sampleLayer = useMemo(() => {
    if (!result || !model?.samples.length) return null;
    return maskCanvas(model.samples[Math.min(overlays.sample.index, model.samples.length - 1)], result.width, result.height, SAMPLE_COLOUR, 60);
  }, [result, model, overlays.sample.index]);

  const raterLegend = useMemo(() => ed.others.map((o, idx) => ({ name: o.raterName, colour: RATER_COLOURS[idx % RATER_COLOURS.length] })), [ed.others]);
  const otherLayers = useMemo(
    () => ed.others.map((o, idx) => ({ key: `rater-${o.raterId}`, canvas: maskCanvas(o.pixels, ed.width, ed.height, RATER_COLOURS[idx % RATER_COLOURS.length], 40) })),
    [ed.others, ed.width, ed.height],
  );
  const ownLayer = useMemo(
    () => (ed.mask ? maskCanvas(ed.mask, ed.width, ed.height, OWN_COLOUR, 110) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- ed.version marks in-place edits
    [ed.mask, ed.version, ed.width, ed.height],
  );

  const layers: OverlayLayer[] = [];
  if (modelLayers && overlays.heat.on) layers.push({ key: 'heat', canvas: modelLayers.heat, opacity: overlays.heat.opacity });
  if (errorLayer && overlays.error.on) layers.push({ key: 'error', canvas: errorLayer.canvas, opacity: overlays.error.opacity });
  if (sampleLayer && overlays.sample.on) layers.push({ key: 'sample', canvas: sampleLayer, opacity: overlays.sample.opacity });
  if (overlays.raters.on) for (const l of otherLayers) layers.push({ ...l, opacity: overlays.raters.opacity });
  if (modelLayers && overlays.mean.on) layers.push({ key: 'mean', canvas: modelLayers.mean, opacity: overlays.mean.opacity });
  if (ownLayer && overlays.own.on) layers.push({ key: 'own', canvas: ownLayer, opacity: overlays.own.opacity });

  const units = detail.intensity === 'HU' ? 'HU' : '';
  const sliceView = (
    <SliceView
      volume={volume}
      image={image}
      slice={slice}
      window={win}
      transform={transform}
      overlays={layers}
      labels={labels}
      flipX={signs.i < 0}
      flipY={signs.j < 0}
      tool={tool}
      brushRadius={brushRadius}
      units={units}
      onTransform={setTransform}
      onWindow={setWin}
      onScroll={(d) => goTo(slice + d)}
      onPaint={onPaint}
      onFill={(i, j) => editor.fill(i, j)}
    />
  );

  return (
    <div className="workspace" data-testid="workspace" data-slice={slice} data-status={status}>
      <aside className="left">
        <QueuePanel
          items={triage.queue.items}
          reviewed={triage.queue.total || allStudies ? triage.queue.reviewed : [...statuses.values()].filter((v) => v === 'reviewed').length}
          total={triage.queue.total || allStudies ? triage.queue.total : depth}
          currentSlice={slice}
          unreviewedOnly={unreviewedOnly}
          allStudies={allStudies}
          studyId={studyId}
          volume={volume}
          window={win}
          flipX={signs.i < 0}
          flipY={signs.j < 0}
          job={triage.job}
          engine={engine}
          onToggleUnreviewed={() => setUnreviewedOnly((u) => !u)}
          onToggleAllStudies={() => setAllStudies((a) => !a)}
          onOpen={openQueueItem}
          onTriage={() => void triage.start()}
          onCancel={() => void triage.cancel()}
        />
      </aside>
      <main className="viewer">
        <div className="viewer-bar">
          <span className="status-pill" data-testid="review-status">
            {status === 'reviewed' ? 'Reviewed' : status === 'second-look' ? 'Second look' : 'Not reviewed'}
          </span>
          <span className="muted small" title={presets.map((p, i) => `${i + 1}: ${p.name}`).join('\n')}>
            Window presets on keys 1–9 ({presets[0].name}, {presets[1].name}, …) · ? for all shortcuts
          </span>
        </div>
        {layout === 'axial' ? sliceView : <MprView study={study} slice={slice} window={win} axial={sliceView} onSlice={goTo} />}
      </main>
      <aside className="right">
        <ToolPanel
          tool={tool}
          brushRadius={brushRadius}
          canUseModel={!!result}
          sampleIndex={overlays.sample.index}
          sampleCount={result?.samples.length ?? 0}
          undo={ed.undo}
          redo={ed.redo}
          saving={ed.saving}
          revision={ed.revision}
          maskSlice={ed.editable ? ed.ref!.sliceIndex : null}
          status={status}
          onTool={setTool}
          onBrushRadius={setBrushRadius}
          onFromMean={() => fromModel('mean')}
          onFromSample={() => fromModel('sample')}
          onClear={clearMask}
          onUndo={() => editor.undo()}
          onRedo={() => editor.redo()}
          onReview={(s) => void setReview(s)}
        />
        <OverlayPanel
          settings={overlays}
          hasResult={!!result}
          sampleCount={result?.samples.length ?? 0}
          heatMax={model?.heatMax ?? 0}
          errorMax={errorLayer?.max ?? 0}
          hasErrorMap={!!errorLayer}
          raters={raterLegend}
          ownName={rater.name}
          hidden={ed.hidden}
          onChange={setOverlays}
        />
        <RaterPanel
          slice={sliceMetrics}
          study={studyMetrics}
          exporting={exporting}
          onJumpDisagreement={jumpDisagreement}
          onJumpMismatch={jumpMismatch}
          onExport={() => void exportStudy()}
          exportedFiles={exported}
        />
      </aside>
    </div>
  );
}
