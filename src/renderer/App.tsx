import { useCallback, useEffect, useState } from 'react';
import type { StudySummary } from '../shared/api';
import { api } from './api';
import { ArchiveBrowser } from './components/ArchiveBrowser';
import { ErrorBanner } from './components/ErrorBanner';
import { HelpOverlay } from './components/HelpOverlay';
import { RaterChooser } from './components/RaterChooser';
import { StudyList } from './components/StudyList';
import { useActionKeys } from './actions/keys';
import { tooltip } from './actions/table';
import { useErrors } from './state/errors';
import { useRater } from './state/rater';
import { useStudy } from './state/study';
import { MIN_SLICES_FOR_3D } from './views/MprView';
import { Workspace } from './Workspace';

const BLINDED_KEY = 'caldiff.blinded';

export function App() {
  const { report } = useErrors();
  const [rater, setRater] = useRater();
  const [choosing, setChoosing] = useState(false);
  const [studies, setStudies] = useState<StudySummary[] | null>(null);
  const [studyId, setStudyId] = useState<number | null>(null);
  const [openAt, setOpenAt] = useState({ studyId: 0, slice: 0 });
  const [blinded, setBlinded] = useState(() => localStorage.getItem(BLINDED_KEY) !== 'off');
  const [layout, setLayout] = useState<'axial' | 'mpr'>('axial');
  const [help, setHelp] = useState(false);
  const [pacs, setPacs] = useState(false);
  const study = useStudy(studyId, report);

  useEffect(() => {
    api['studies.list']({}).then((list) => {
      setStudies(list);
      setStudyId((current) => current ?? list[0]?.id ?? null);
    }, report);
  }, [report]);

  const refreshStudies = useCallback(() => {
    api['studies.list']({}).then(setStudies, report);
  }, [report]);

  const importPath = useCallback(
    async (path: string) => {
      try {
        const res = await api['studies.import']({ paths: [path] });
        setStudies(await api['studies.list']({}));
        // What was imported before opens as it is; anything else skipped is said.
        for (const s of res.skipped) if (s.studyId === undefined) report(new Error(`Skipped ${s.path}: ${s.reason}`));
        const open = res.studies[0]?.id ?? res.skipped.find((s) => s.studyId !== undefined)?.studyId;
        if (open !== undefined) setStudyId(open);
      } catch (e) {
        report(e);
      }
    },
    [report],
  );

  useActionKeys({
    'help.toggle': () => setHelp((h) => !h),
    'dialog.close': () => {
      setHelp(false);
      setChoosing(false);
      setPacs(false);
    },
  });

  const toggleBlinded = useCallback(() => {
    setBlinded((b) => {
      localStorage.setItem(BLINDED_KEY, b ? 'off' : 'on');
      return !b;
    });
  }, []);

  const mpr = !!study && study.volume.dims[2] >= MIN_SLICES_FOR_3D;
  return (
    <div className="app">
      <header className="top-bar">
        <span className="brand">CalDiff Workstation</span>
        <span className="study-title" data-testid="study-title">
          {study ? study.detail.name : studyId ? 'Loading study…' : 'No study open'}
        </span>
        <span className="spacer" />
        <label className="check" title="Hide other raters' masks until you mark a slice reviewed">
          <input type="checkbox" checked={blinded} onChange={toggleBlinded} data-testid="blinded-toggle" /> Blinded
        </label>
        <button type="button" onClick={() => setLayout((l) => (l === 'axial' ? 'mpr' : 'axial'))} disabled={!mpr} data-testid="layout-toggle" title={mpr ? 'Coronal, sagittal and 3D views' : `Needs at least ${MIN_SLICES_FOR_3D} slices`}>
          {layout === 'axial' ? 'MPR + 3D' : 'Axial only'}
        </button>
        <button type="button" onClick={() => setPacs(true)} data-testid="pacs-open" title="Find studies in an archive (DICOMweb) and store results back">
          PACS
        </button>
        <button type="button" onClick={() => setHelp(true)} title={tooltip('help.toggle')}>
          ? Help
        </button>
        <button type="button" className="rater-badge" onClick={() => setChoosing(true)} data-testid="rater-badge" title="Switch rater">
          Rater: <b>{rater?.name ?? '—'}</b>
        </button>
      </header>
      <ErrorBanner />
      <div className="body">
        <aside className="studies-column">
          <StudyList studies={studies} currentId={studyId} onOpen={setStudyId} onImport={importPath} />
        </aside>
        {study && rater ? (
          <Workspace
            key={`${study.detail.id}:${rater.id}`}
            study={study}
            rater={rater}
            blinded={blinded}
            layout={mpr ? layout : 'axial'}
            helpOpen={help}
            initialSlice={openAt.studyId === study.detail.id ? openAt.slice : null}
            onOpenStudy={(id, slice) => {
              setOpenAt({ studyId: id, slice });
              setStudyId(id);
            }}
          />
        ) : (
          <div className="placeholder muted">{studyId ? 'Loading study…' : 'Choose a study on the left.'}</div>
        )}
      </div>
      {(!rater || choosing) && (
        <RaterChooser
          current={rater}
          onChoose={(r) => {
            setRater(r);
            setChoosing(false);
          }}
          onCancel={rater ? () => setChoosing(false) : undefined}
        />
      )}
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
      {pacs && (
        <ArchiveBrowser
          rater={rater}
          blinded={blinded}
          currentStudyId={studyId}
          onRetrieved={refreshStudies}
          onClose={() => setPacs(false)}
        />
      )}
    </div>
  );
}
