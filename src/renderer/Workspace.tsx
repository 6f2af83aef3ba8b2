import { useCallback, useMemo, useState } from 'react';
import type { Rater } from '../shared/api';
import { useActionKeys, type ActionHandlers } from './actions/keys';
import type { ScopedId } from './actions/table';
import { AdjudicationPanel } from './components/AdjudicationPanel';
import { AuditDialog } from './components/AuditDialog';
import { HistoryDialog } from './components/HistoryDialog';
import { ExportDialog } from './components/ExportDialog';
import { OverlayPanel } from './components/OverlayPanel';
import { QueuePanel } from './components/QueuePanel';
import { RaterPanel } from './components/RaterPanel';
import { RoiPanel } from './components/RoiPanel';
import { ToolPanel } from './components/ToolPanel';
import { useAdjudication } from './state/adjudication';
import { useAgreement } from './state/agreement';
import { useAnnotationEditor } from './state/editor';
import { useErrors } from './state/errors';
import { useExport } from './state/export';
import { useOverlayLayers } from './state/layers';
import { useOverlayVolumes } from './state/overlayVolumes';
import { closestSampleTo, modelMask, useModelResult } from './state/model';
import { DEFAULT_OVERLAYS, stepSample, toggleLayer, type OverlaySettings } from './state/overlays';
import { useReviewQueue } from './state/queue';
import { markerLabel, markersOn, useMarkerLayer } from './state/markers';
import { useRoiLayer, useRois, useSliceHeaders } from './state/rois';
import { useSliceState } from './state/slice';
import type { OpenStudy } from './state/study';
import { BRUSH_RADIUS } from './tools/brush';
import { cleanUp, type CleanUp } from './tools/cleanup';
import { TOOLS } from './tools/registry';
import { useToolStore } from './tools/store';
import { MprView } from './views/MprView';
import { SliceView } from './views/SliceView';
import { FIT } from './views/viewport';

export interface WorkspaceProps {
  study: OpenStudy;
  rater: Rater;
  blinded: boolean;
  layout: 'axial' | 'mpr';
  helpOpen: boolean;
  /** The slice to open on (a queue entry of this study picked from the all-studies queue); null: the head of the study's queue, else slice 1. */
  initialSlice: number | null;
  /** Open another study at a slice (from the all-studies queue). */
  onOpenStudy(studyId: number, slice: number): void;
}

const STATUS_TEXT = { reviewed: 'Reviewed', 'second-look': 'Second look', unreviewed: 'Not reviewed' } as const;

/** One open study: composes the state of each concern (state/*) and hands it to the views and panels. */
export function Workspace({ study, rater, blinded, layout, helpOpen, initialSlice, onOpenStudy }: WorkspaceProps) {
  const { report } = useErrors();
  const { detail, volume, image } = study;
  const studyId = detail.id;

  const nav = useSliceState(study, initialSlice ?? 0);
  const { slice, goTo } = nav;
  const [editor, ed] = useAnnotationEditor({ studyId, sliceIndex: slice, raterId: rater.id, blinded }, report);
  const [toolStore, tools] = useToolStore();
  const [overlays, setOverlays] = useState<OverlaySettings>(DEFAULT_OVERLAYS);
  const reloadMasks = useCallback(() => editor.reload(), [editor]);
  const queue = useReviewQueue({ studyId, raterId: rater.id, slice, depth: nav.depth, openOnQueueHead: initialSlice === null, goTo, onOpenStudy, reloadMasks, report });
  const { resultsVersion } = queue.triage;
  const result = useModelResult(studyId, slice, resultsVersion, report);
  const agreement = useAgreement({ studyId, slice, raterId: rater.id, blinded, editor: ed, resultsVersion, goTo, report });
  const adjudication = useAdjudication({ studyId, slice, rater, blinded, editor, ed, size: volume.dims[0] * volume.dims[1], report });
  // The study has a final mask (that this viewer may see) when the volumetry measures one.
  const hasFinal = !!adjudication.volumes?.items.some((v) => v.kind === 'final');
  const exportable = useMemo(() => ({ source: detail.source, hasFinal }), [detail.source, hasFinal]);
  const exporter = useExport(studyId, detail.name, exportable, report);
  const [dialog, setDialog] = useState<'history' | 'audit' | null>(null);
  const shown = useOverlayLayers(result, ed, overlays, overlays.final.on ? adjudication.finalPixels : null);
  const mprOverlays = useOverlayVolumes({ studyId, raterId: rater.id, blinded, volume, enabled: layout === 'mpr', editor: ed, resultsVersion, settings: overlays, report });
  const rois = useRois(studyId, report);
  const roiLayer = useRoiLayer(rois.rois, slice, volume.dims[0], volume.dims[1]);
  const header = useSliceHeaders(studyId, report)[slice];
  const markerLayer = useMarkerLayer(detail.markers, slice, volume.dims[0], volume.dims[1]);
  const marks = markersOn(detail.markers, slice);

  const sampleCount = result?.samples.length ?? 0;
  const fromModel = (which: 'mean' | 'sample') => {
    if (result && ed.mask) editor.replace(modelMask(result, which, overlays.sample.index, ed.width, ed.height), which === 'mean' ? 'model-mean' : 'model-sample');
  };
  const fromClosest = () => {
    if (!result || !ed.mask) return;
    const index = closestSampleTo(result, ed.mask, ed.width, ed.height);
    if (index === null) return;
    setOverlays((o) => ({ ...o, sample: { ...o.sample, index } }));
    editor.replace(modelMask(result, 'sample', index, ed.width, ed.height), 'model-sample');
  };
  const clean = (which: CleanUp) => {
    if (ed.mask && ed.editable) editor.replace(cleanUp(which, ed.mask, ed.width, ed.height, tools.values), ed.source);
  };
  const interpolate = () => void editor.interpolate();
  const clearMask = () => {
    if (ed.mask) editor.replace(new Uint8Array(ed.mask.length), 'manual');
  };

  const handlers: ActionHandlers<ScopedId<'workspace'> | `tool.${string}`> = {
    ...Object.fromEntries(TOOLS.map((t) => [`tool.${t.id}`, () => toolStore.activate(t.id)])),
    'slice.previous': () => goTo(slice - 1),
    'slice.next': () => goTo(slice + 1),
    'slice.back10': () => goTo(slice - 10),
    'slice.forward10': () => goTo(slice + 10),
    'slice.first': () => goTo(0),
    'slice.last': () => goTo(nav.depth - 1),
    'window.preset': (k) => nav.presets[k] && nav.setWin(nav.presets[k].window),
    'view.reset': () => nav.setTransform(FIT),
    'queue.next': () => queue.step(1),
    'queue.previous': () => queue.step(-1),
    'review.reviewed': () => void queue.setReview('reviewed'),
    'review.second-look': () => void queue.setReview('second-look'),
    'review.unreviewed': () => void queue.setReview('unreviewed'),
    'triage.start': () => void queue.triage.start(),
    'jump.disagreement': agreement.jumpDisagreement,
    'brush.smaller': () => toolStore.step(BRUSH_RADIUS, -1),
    'brush.larger': () => toolStore.step(BRUSH_RADIUS, 1),
    'mask.from-mean': () => fromModel('mean'),
    'mask.from-sample': () => fromModel('sample'),
    'mask.from-closest': fromClosest,
    'mask.interpolate': interpolate,
    'mask.remove-islands': () => clean('islands'),
    'mask.fill-holes': () => clean('holes'),
    'mask.keep-largest': () => clean('largest'),
    'mask.clear': clearMask,
    'edit.undo': () => editor.undo(),
    'edit.redo': () => editor.redo(),
    'overlay.mean': () => setOverlays((o) => toggleLayer(o, 'mean')),
    'overlay.heat': () => setOverlays((o) => toggleLayer(o, 'heat')),
    'overlay.raters': () => setOverlays((o) => toggleLayer(o, 'raters')),
    'overlay.error': () => setOverlays((o) => toggleLayer(o, 'error')),
    'overlay.outline': () => setOverlays((o) => ({ ...o, outline: !o.outline })),
    'sample.next': () => setOverlays((o) => stepSample(o, 1, sampleCount)),
    'sample.previous': () => setOverlays((o) => stepSample(o, -1, sampleCount)),
  };
  useActionKeys(handlers, !helpOpen && !exporter.dialog);

  const flipX = nav.signs.i < 0;
  const flipY = nav.signs.j < 0;
  const sliceView = (
    <SliceView
      volume={volume}
      image={image}
      slice={slice}
      window={nav.win}
      transform={nav.transform}
      overlays={[...shown.layers, roiLayer, markerLayer]}
      labels={nav.labels}
      flipX={flipX}
      flipY={flipY}
      tool={tools.active}
      toolValues={tools.values}
      beginEdit={() => editor.beginEdit()}
      addRoi={(center) => void rois.add(center).then(() => toolStore.activate('navigate'))}
      units={detail.intensity === 'HU' ? 'HU' : ''}
      onTransform={nav.setTransform}
      onWindow={nav.setWin}
      onScroll={(d) => goTo(slice + d)}
    />
  );

  return (
    <div className="workspace" data-testid="workspace" data-slice={slice} data-status={queue.status}>
      <aside className="left">
        <QueuePanel
          items={queue.triage.queue.items}
          counts={queue.counts}
          unsettledShare={queue.unsettledShare}
          warnings={queue.triage.queue.warnings}
          currentSlice={slice}
          unreviewedOnly={queue.unreviewedOnly}
          allStudies={queue.allStudies}
          studyId={studyId}
          volume={volume}
          window={nav.win}
          flipX={flipX}
          flipY={flipY}
          job={queue.triage.job}
          engine={queue.engine}
          onToggleUnreviewed={queue.toggleUnreviewed}
          onToggleAllStudies={queue.toggleAllStudies}
          onOpen={queue.open}
          onTriage={() => void queue.triage.start()}
          onCancel={() => void queue.triage.cancel()}
        />
        <RoiPanel
          rois={rois.rois}
          slices={nav.depth}
          currentSlice={slice}
          notes={detail.notes}
          adding={tools.active.id === 'roi'}
          onAddTool={() => toolStore.activate('roi')}
          onFromRaters={() => void rois.fromRaters()}
          onSlices={(r, range) => void rois.setSlices(r, range)}
          onDelete={(r) => void rois.remove(r)}
          onGo={goTo}
        />
      </aside>
      <main className="viewer">
        <div className="viewer-bar">
          <span className="status-pill" data-testid="review-status">
            {STATUS_TEXT[queue.status]}
          </span>
          <span className="small" data-testid="slice-header">
            k = {slice}
            {header?.instanceNumber != null && ` · instance ${header.instanceNumber}`}
            {header && ` · ${header.positionMm.toFixed(2)} mm`}
            {marks.length > 0 && (
              <span data-testid="slice-markers" title={marks.map(markerLabel).join('\n')}>
                {' '}
                · {marks.length} reader point {marks.length === 1 ? 'mark' : 'marks'}
              </span>
            )}
          </span>
          {ed.editable && ed.interpolated && (
            <span className="interpolated-mark" data-testid="interpolated-mark" title="Filled in between your drawings by interpolation; any edit of this slice makes it yours">
              Interpolated
            </span>
          )}
          <span className="muted small" title={nav.presets.map((p, i) => `${i + 1}: ${p.name}`).join('\n')}>
            Window presets on keys 1–9 ({nav.presets[0].name}, {nav.presets[1].name}, …) · ? for all shortcuts
          </span>
        </div>
        {layout === 'axial' ? sliceView : (
          <MprView
            study={study}
            slice={slice}
            window={nav.win}
            axial={sliceView}
            overlays={mprOverlays}
            onSlice={goTo}
            rois={rois.rois}
            onRoiSlices={(r, range) => void rois.setSlices(r, range)}
          />
        )}
      </main>
      <aside className="right">
        <ToolPanel
          tools={tools}
          canUseModel={!!result}
          sampleIndex={overlays.sample.index}
          sampleCount={sampleCount}
          undo={ed.undo}
          redo={ed.redo}
          saving={ed.saving}
          revision={ed.revision}
          maskSlice={ed.editable ? ed.ref!.sliceIndex : null}
          status={queue.status}
          onTool={(id) => toolStore.activate(id)}
          onSetting={(s, v) => toolStore.set(s, v)}
          onFromMean={() => fromModel('mean')}
          onFromSample={() => fromModel('sample')}
          onFromClosest={fromClosest}
          onInterpolate={interpolate}
          onCleanUp={clean}
          units={detail.intensity === 'HU' ? 'HU' : null}
          onClear={clearMask}
          onUndo={() => editor.undo()}
          onRedo={() => editor.redo()}
          onReview={(s) => void queue.setReview(s)}
        />
        <OverlayPanel
          settings={overlays}
          hasResult={!!result}
          sampleCount={sampleCount}
          heatMax={shown.heatMax}
          errorMax={shown.errorMax}
          hasErrorMap={shown.hasErrorMap}
          raters={shown.raterLegend}
          ownName={rater.name}
          hasFinal={!!adjudication.finalPixels}
          hidden={ed.hidden}
          onChange={setOverlays}
        />
        {adjudication.isAdjudicator && (
          <AdjudicationPanel
            others={ed.others}
            hasModel={!!result}
            final={adjudication.final}
            revision={ed.revision}
            saving={ed.saving}
            onStart={(from) => void adjudication.startFrom(from)}
            onMarkFinal={() => void adjudication.markFinal()}
            onExportFinal={() => void exporter.openDialog(['final'])}
          />
        )}
        <section className="panel records-panel">
          <div className="button-row">
            <button type="button" onClick={() => setDialog('history')} data-testid="open-history">
              Mask history…
            </button>
            <button type="button" onClick={() => setDialog('audit')} data-testid="open-audit">
              Audit log…
            </button>
          </div>
        </section>
        <RaterPanel
          volumes={adjudication.volumes}
          slice={agreement.sliceMetrics}
          study={agreement.studyMetrics}
          onJumpDisagreement={agreement.jumpDisagreement}
          onJumpMismatch={agreement.jumpMismatch}
          onExport={() => void exporter.openDialog()}
        />
      </aside>
      {dialog === 'history' && (
        <HistoryDialog
          studyId={studyId}
          slice={slice}
          raters={[{ raterId: rater.id, raterName: rater.name }, ...ed.others.filter((o) => o.raterId !== rater.id)]}
          viewerRaterId={rater.id}
          blinded={blinded}
          finalRevisions={adjudication.final?.revisions ?? []}
          onRestored={reloadMasks}
          onClose={() => setDialog(null)}
          report={report}
        />
      )}
      {dialog === 'audit' && <AuditDialog studyId={studyId} onClose={() => setDialog(null)} report={report} />}
      {exporter.dialog && (
        <ExportDialog
          study={exportable}
          outDir={exporter.dialog.outDir}
          formats={exporter.dialog.formats}
          exporting={exporter.exporting}
          result={exporter.result}
          onToggle={exporter.toggle}
          onOutDir={exporter.setOutDir}
          onExport={() => void exporter.run()}
          onClose={exporter.closeDialog}
        />
      )}
    </div>
  );
}
