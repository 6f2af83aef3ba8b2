import { useCallback, useEffect, useState } from 'react';
import { StoreWhatSchema, type Archive, type ArchiveStudy, type Job, type Rater, type Request, type Response } from '../../shared/api';
import { api } from '../api';
import { useErrors } from '../state/errors';

type Credentials = Request<'pacs.archives.add'>['credentials'];
type StoreResult = Response<'pacs.store'>['results'][number];
/** What can be sent back, as the contract has it. */
const WHAT = StoreWhatSchema.options;
const WHAT_TEXT: Record<(typeof WHAT)[number], string> = { readers: 'my SEG', consensus: 'consensus', model: 'model probability', final: 'final (adjudicated) mask' };

/** Archive settings: the configured DICOMweb servers (never their secrets), add and remove. */
function ArchiveSettings({ archives, onChanged }: { archives: Archive[]; onChanged(): void }) {
  const { report } = useErrors();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [auth, setAuth] = useState<Credentials['auth']>('none');
  const [user, setUser] = useState('');
  const [secret, setSecret] = useState('');

  async function add(e: React.FormEvent) {
    e.preventDefault();
    const credentials: Credentials = auth === 'basic' ? { auth, user, password: secret } : auth === 'bearer' ? { auth, token: secret } : { auth };
    try {
      await api['pacs.archives.add']({ name: name.trim(), url: url.trim(), credentials });
      setName('');
      setUrl('');
      setSecret('');
      onChanged();
    } catch (err) {
      report(err);
    }
  }

  return (
    <section className="archive-settings" data-testid="archive-settings">
      <h3>Archives</h3>
      {archives.length === 0 && <p className="muted">No archive yet: add a DICOMweb server (e.g. Orthanc’s /dicom-web).</p>}
      <ul className="archive-list">
        {archives.map((a) => (
          <li key={a.name} data-testid="archive-item">
            <b>{a.name}</b> <span className="muted small">{a.url} · {a.auth}{a.user ? ` (${a.user})` : ''}</span>
            <button type="button" className="link" onClick={() => api['pacs.archives.remove']({ name: a.name }).then(onChanged, report)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="archive-form" onSubmit={add}>
        <input aria-label="Archive name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} data-testid="archive-name" />
        <input aria-label="DICOMweb URL" placeholder="http://pacs:8042/dicom-web" value={url} onChange={(e) => setUrl(e.target.value)} data-testid="archive-url" />
        <select aria-label="Authentication" value={auth} onChange={(e) => setAuth(e.target.value as Credentials['auth'])}>
          <option value="none">no auth</option>
          <option value="basic">user + password</option>
          <option value="bearer">bearer token</option>
        </select>
        {auth === 'basic' && <input aria-label="User" placeholder="User" value={user} onChange={(e) => setUser(e.target.value)} />}
        {auth !== 'none' && <input aria-label={auth === 'basic' ? 'Password' : 'Token'} type="password" placeholder={auth === 'basic' ? 'Password' : 'Token'} value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" />}
        <button type="submit" disabled={!name.trim() || !url.trim() || (auth !== 'none' && !secret) || (auth === 'basic' && !user)} data-testid="archive-add">
          Add archive
        </button>
      </form>
    </section>
  );
}

function RetrieveProgress({ job, onCancel }: { job: Job; onCancel(): void }) {
  const fraction = job.total > 0 ? job.done / job.total : 0;
  return (
    <div className="triage-progress" data-testid="retrieve-progress" data-state={job.state}>
      <div className="progress-bar">
        <div className="progress-fill" style={{ width: `${Math.min(100, fraction * 100).toFixed(1)}%` }} />
      </div>
      <div className="progress-text">
        <span>{job.state === 'failed' ? job.error : job.message}</span>
        {job.state === 'running' && (
          <button type="button" onClick={onCancel} data-testid="retrieve-cancel">
            Cancel
          </button>
        )}
      </div>
      {job.warnings.map((w) => (
        <p key={w} className="muted small">{w}</p>
      ))}
    </div>
  );
}

export interface ArchiveBrowserProps {
  rater: Rater | null;
  blinded: boolean;
  /** The study open in the workspace, which "store back" sends. */
  currentStudyId: number | null;
  /** After a retrieval: the study list changed. */
  onRetrieved(): void;
  onClose(): void;
}

/** The PACS window: archive settings, search, series with instance counts, retrieve with progress, store back. */
export function ArchiveBrowser({ rater, blinded, currentStudyId, onRetrieved, onClose }: ArchiveBrowserProps) {
  const { report } = useErrors();
  const [archives, setArchives] = useState<Archive[]>([]);
  const [archive, setArchive] = useState('');
  const [query, setQuery] = useState({ patientId: '', patientName: '', dateFrom: '', dateTo: '', modality: '', accession: '' });
  const [results, setResults] = useState<ArchiveStudy[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [job, setJob] = useState<Job | null>(null);
  const [what, setWhat] = useState<Set<(typeof WHAT)[number]>>(new Set(['readers']));
  const [stored, setStored] = useState<StoreResult[] | null>(null);
  const [storing, setStoring] = useState(false);

  const refresh = useCallback(() => {
    api['pacs.archives.list']({}).then((list) => {
      setArchives(list);
      setArchive((current) => (list.some((a) => a.name === current) ? current : (list[0]?.name ?? '')));
    }, report);
  }, [report]);
  useEffect(refresh, [refresh]);

  // Follow the retrieval job until it ends.
  useEffect(() => {
    if (!job || job.state !== 'running') return;
    const timer = setTimeout(() => {
      api['jobs.get']({ jobId: job.id }).then((next) => {
        setJob(next);
        if (next.state === 'done') onRetrieved();
      }, report);
    }, 200);
    return () => clearTimeout(timer);
  }, [job, onRetrieved, report]);

  async function search(e: React.FormEvent) {
    e.preventDefault();
    setSearching(true);
    try {
      const filled = Object.fromEntries(Object.entries(query).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()]));
      setResults(await api['pacs.search']({ archive, ...filled }));
    } catch (err) {
      report(err);
    } finally {
      setSearching(false);
    }
  }

  async function retrieve(studyInstanceUID: string, seriesInstanceUID: string | null) {
    try {
      setJob(await api['pacs.retrieve']({ archive, studyInstanceUID, seriesInstanceUID, viewerRaterId: rater?.id ?? null, blinded }));
    } catch (err) {
      report(err);
    }
  }

  async function store() {
    if (currentStudyId === null) return;
    setStoring(true);
    try {
      const { results } = await api['pacs.store']({ studyId: currentStudyId, archive, what: [...what], raterId: what.has('readers') && rater ? rater.id : null });
      setStored(results);
    } catch (err) {
      report(err);
    } finally {
      setStoring(false);
    }
  }

  const field = (key: keyof typeof query, label: string, placeholder = label) => (
    <input aria-label={label} placeholder={placeholder} value={query[key]} onChange={(e) => setQuery({ ...query, [key]: e.target.value })} data-testid={`search-${key}`} />
  );

  return (
    <div className="modal-backdrop">
      <div className="modal archive-browser" role="dialog" aria-label="PACS" data-testid="archive-browser">
        <div className="panel-head">
          <h2>PACS</h2>
          <button type="button" onClick={onClose} data-testid="archive-close">
            Close
          </button>
        </div>
        <ArchiveSettings archives={archives} onChanged={refresh} />
        {archives.length > 0 && (
          <>
            <h3>Find studies</h3>
            <form className="archive-search" onSubmit={search}>
              <select aria-label="Archive" value={archive} onChange={(e) => setArchive(e.target.value)} data-testid="search-archive">
                {archives.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name}
                  </option>
                ))}
              </select>
              {field('patientId', 'Patient ID')}
              {field('patientName', 'Patient name')}
              {field('dateFrom', 'From date', 'From (YYYYMMDD)')}
              {field('dateTo', 'To date', 'To (YYYYMMDD)')}
              {field('modality', 'Modality')}
              {field('accession', 'Accession')}
              <button type="submit" disabled={searching || !archive} data-testid="search-submit">
                {searching ? 'Searching…' : 'Search'}
              </button>
            </form>
            {results?.length === 0 && <p className="muted">No studies match.</p>}
            <ul className="archive-results">
              {results?.map((s) => (
                <li key={s.studyInstanceUID} data-testid="archive-study" data-uid={s.studyInstanceUID}>
                  <div className="panel-head">
                    <span>
                      <b>{s.patientId || '(no patient id)'}</b> {s.patientName} · {s.studyDate} · {s.accession} {s.description}
                    </span>
                    <button type="button" onClick={() => retrieve(s.studyInstanceUID, null)} disabled={job?.state === 'running'} data-testid="retrieve-study">
                      Retrieve study
                    </button>
                  </div>
                  <table className="series-table">
                    <tbody>
                      {s.series.map((x) => (
                        <tr key={x.seriesInstanceUID} data-testid="archive-series">
                          <td>{x.modality}</td>
                          <td>{x.description || `series ${x.number ?? ''}`}</td>
                          <td data-testid="series-instances">{x.instances ?? '?'} instances</td>
                          <td>
                            {x.modality !== 'SEG' && (
                              <button type="button" className="link" onClick={() => retrieve(s.studyInstanceUID, x.seriesInstanceUID)} disabled={job?.state === 'running'}>
                                Retrieve series
                              </button>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </li>
              ))}
            </ul>
            {job && <RetrieveProgress job={job} onCancel={() => api['jobs.cancel']({ jobId: job.id }).then(setJob, report)} />}
            <h3>Store the open study back</h3>
            <div className="archive-store">
              {WHAT.map((w) => (
                <label key={w} className="check">
                  <input type="checkbox" checked={what.has(w)} onChange={() => setWhat((s) => new Set(s.has(w) ? [...s].filter((x) => x !== w) : [...s, w]))} />{' '}
                  {WHAT_TEXT[w]}
                  {w === 'readers' && rater ? ` (${rater.name})` : ''}
                </label>
              ))}
              <button type="button" onClick={store} disabled={storing || currentStudyId === null || what.size === 0} data-testid="store-submit">
                {storing ? 'Storing…' : `Store to ${archive}`}
              </button>
            </div>
            {stored && (
              <ul className="store-results" data-testid="store-results">
                {stored.length === 0 && <li className="muted">Nothing to store: no masks of the kinds chosen.</li>}
                {stored.map((r) => (
                  <li key={r.item} data-status={r.status}>
                    <b>{r.status}</b> {r.item} <span className="muted small">{r.message || r.sopInstanceUID}</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </div>
  );
}
