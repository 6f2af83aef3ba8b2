import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALDIFF } from '../../testing/cli';
import { archiveReadyFiles } from '../../testing/archive-files';
import { startOrthanc, type Orthanc } from '../../testing/orthanc';
import { SHARED_DATA, tempDir } from '../../testing/paths';

const WITH_SEG = path.join(SHARED_DATA, 'dicom', 'ct-3slice-with-seg');
const PASSWORD = 'Correct-Horse-31';

function caldiff(args: string[], input = '') {
  const r = spawnSync(process.execPath, [CALDIFF, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let orthanc: Orthanc;
beforeAll(async () => {
  orthanc = await startOrthanc({ user: { name: 'radiology', password: PASSWORD } });
  await orthanc.upload(archiveReadyFiles(WITH_SEG));
}, 120_000);
afterAll(() => orthanc?.stop());

describe('caldiff pacs', () => {
  it('adds an archive with the password on stdin, searches, retrieves and stores back; secrets never printed', () => {
    const dataDir = tempDir();
    const d = ['--data-dir', dataDir];
    const added = caldiff(['pacs', 'add', 'hospital', orthanc.dicomWebUrl, '--user', 'radiology', '--password-stdin', ...d], `${PASSWORD}\n`);
    expect(added).toMatchObject({ status: 0, stdout: `added archive hospital: ${orthanc.dicomWebUrl} (auth basic)\n` });
    const listed = caldiff(['pacs', 'list', '--json', ...d]);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'hospital', auth: 'basic', user: 'radiology' })]);

    const found = caldiff(['pacs', 'search', 'hospital', '--patient', '99000', '--json', ...d]);
    expect(found.status).toBe(0);
    const [study] = JSON.parse(found.stdout);
    expect(study).toMatchObject({ patientId: '99000', series: expect.arrayContaining([expect.objectContaining({ modality: 'CT', instances: 3 })]) });
    const ct = study.series.find((s: { modality: string }) => s.modality === 'CT');

    const got = caldiff(['pacs', 'retrieve', 'hospital', study.studyInstanceUID, '--series', ct.seriesInstanceUID, ...d]);
    expect(got.status).toBe(0);
    expect(got.stdout).toMatch(/^retrieved 4 instances from hospital: study 1\n$/);
    const studies = JSON.parse(caldiff(['studies', '--json', ...d]).stdout);
    expect(studies).toEqual([expect.objectContaining({ id: 1, raterCount: 1, sourcePath: `${orthanc.dicomWebUrl}/studies/${study.studyInstanceUID}/series/${ct.seriesInstanceUID}` })]);

    const stored = caldiff(['pacs', 'store', '1', '--to', 'hospital', '--what', 'readers,consensus', ...d]);
    expect(stored.status).toBe(0);
    expect(stored.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['stored', 'stored', 'stored']);
    const again = caldiff(['pacs', 'store', '1', '--to', 'hospital', '--what', 'readers,consensus', '--json', ...d]);
    expect(JSON.parse(again.stdout).results.map((r: { status: string }) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    for (const r of [added, listed, found, got, stored, again]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('wrong credentials: one clear line, exit 1, the password in neither output; bad usage is refused', () => {
    const dataDir = tempDir();
    const d = ['--data-dir', dataDir];
    const wrong = 'Wrong-Staple-77';
    expect(caldiff(['pacs', 'add', 'hospital', orthanc.dicomWebUrl, '--user', 'radiology', '--password-stdin', ...d], wrong).status).toBe(0);
    const refused = caldiff(['pacs', 'search', 'hospital', ...d]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^caldiff: archive "hospital" \(GET \/studies\) refused the credentials \(HTTP 401\); check the user, password or token with caldiff pacs add\n$/);
    expect(refused.stdout + refused.stderr).not.toContain(wrong);
    const retrieve = caldiff(['pacs', 'retrieve', 'hospital', '1.2.3', ...d]);
    expect(retrieve.status).toBe(1);
    expect(retrieve.stderr).toMatch(/HTTP 401/);
    expect(JSON.parse(caldiff(['studies', '--json', ...d]).stdout)).toEqual([]);

    expect(caldiff(['pacs', 'add', 'x', orthanc.dicomWebUrl, '--user', 'u', ...d]).stderr).toMatch(/--user needs --password-stdin/);
    expect(caldiff(['pacs', 'add', 'x', `http://radiology:${wrong}@127.0.0.1:1/dicom-web`, ...d]).stderr).toMatch(/not in the URL/);
    expect(caldiff(['pacs', 'frob', ...d]).stderr).toMatch(/unknown pacs command "frob"/);
    expect(caldiff(['pacs', 'remove', 'hospital', ...d]).stdout).toBe('removed archive hospital\n');
    expect(caldiff(['pacs', 'remove', 'hospital', ...d]).stderr).toMatch(/no archive named "hospital"/);
  });
});
