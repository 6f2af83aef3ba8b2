/* eslint-disable @typescript-eslint/no-explicit-any -- the raw XML tree, walked by tag name as an independent reading */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { countMask } from '../../shared/masks';
import { SHARED_DATA, tempDir } from '../testing/paths';
import { readDicomSeries, scanDicomFolder } from './dicom';
import { fillPolygon, readLidcReads } from './lidc-xml';

const LIDC_CT = path.join(SHARED_DATA, 'lidc-ct');

async function seriesOf(patient: string) {
  const [series] = scanDicomFolder(path.join(LIDC_CT, patient)).series;
  return (await readDicomSeries(series)).meta;
}

/** Shoelace area of a closed outline through pixel centres. */
function polygonArea(outline: [number, number][]): number {
  let twice = 0;
  for (let i = 0; i < outline.length; i++) {
    const [x1, y1] = outline[i];
    const [x2, y2] = outline[(i + 1) % outline.length];
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

/**
 * The outlines of every reader on every slice, read independently of the code under test (a second parse of the
 * raw XML), keyed "reader@SOPInstanceUID".
 */
function outlinesOf(patient: string) {
  const xml = readFileSync(path.join(LIDC_CT, patient, 'lidc-reads.xml'), 'utf8');
  const doc = new XMLParser({ removeNSPrefix: true, parseTagValue: false, isArray: () => true }).parse(xml);
  const out = new Map<string, { include: [number, number][][]; exclude: [number, number][][] }>();
  doc.LidcReadMessage[0].readingSession.forEach((session: any, r: number) => {
    for (const nodule of session.unblindedReadNodule ?? [])
      for (const roi of nodule.roi ?? []) {
        const pts = (roi.edgeMap ?? []).map((e: any) => [Number(e.xCoord[0]), Number(e.yCoord[0])] as [number, number]);
        if (pts.length < 3) continue;
        const key = `LIDC reader ${r + 1}@${roi.imageSOP_UID[0].trim()}`;
        const entry = out.get(key) ?? { include: [], exclude: [] };
        (roi.inclusion[0].trim() === 'FALSE' ? entry.exclude : entry.include).push(pts);
        out.set(key, entry);
      }
  });
  return out;
}

describe('LIDC-IDRI reader XML', { timeout: 300_000 }, () => {
  it('fills an outline by the LIDC convention: strictly inside the polygon through the pixel centres', () => {
    // A 5x5 square outline (corners 2..6): 25 pixel centres on or in it, 9 strictly inside, the 16 outline pixels out.
    const square: [number, number][] = [];
    for (let x = 2; x <= 6; x++) square.push([x, 2]);
    for (let y = 3; y <= 6; y++) square.push([6, y]);
    for (let x = 5; x >= 2; x--) square.push([x, 6]);
    for (let y = 5; y >= 3; y--) square.push([2, y]);
    const mask = new Uint8Array(10 * 10);
    fillPolygon(mask, 10, 10, square);
    for (const [x, y] of square) mask[y * 10 + x] = 0;
    expect(countMask(mask)).toBe(9);
    expect(mask[4 * 10 + 4]).toBe(1);
    expect(mask[2 * 10 + 4]).toBe(0);
  });

  it.each([
    ['LIDC-IDRI-0001', 16],
    ['LIDC-IDRI-0002', 12],
  ])('%s: one rater per reading session, masks on the slices the XML names, areas of the outlines', async (patient, slices) => {
    const series = await seriesOf(patient);
    expect(series.instances).toHaveLength(slices);
    const reads = readLidcReads(path.join(LIDC_CT, patient, 'lidc-reads.xml'), series);
    expect(reads.raters.map((r) => r.raterName)).toEqual(['LIDC reader 1', 'LIDC reader 2', 'LIDC reader 3', 'LIDC reader 4']);
    const outlines = outlinesOf(patient);
    let compared = 0;
    for (const rater of reads.raters)
      for (const { k, mask } of rater.slices) {
        const entry = outlines.get(`${rater.raterName}@${series.instances[k].sopInstanceUID}`);
        expect(entry, `${rater.raterName} has an outline on slice ${k}`).toBeDefined();
        // Pick's theorem: a lattice polygon of area A with B outline points holds A - B/2 + 1 points strictly inside;
        // a hole takes its inside and its outline, A + B/2 + 1. Outlines that touch themselves or each other shift
        // this by a few pixels: the tolerance is 2% + 3 px.
        const expected =
          entry!.include.reduce((a, o) => a + polygonArea(o) - o.length / 2 + 1, 0) - entry!.exclude.reduce((a, o) => a + polygonArea(o) + o.length / 2 + 1, 0);
        const area = countMask(mask);
        expect(Math.abs(area - expected), `${rater.raterName} slice ${k}: ${area} px, outlines predict ${expected}`).toBeLessThanOrEqual(0.02 * expected + 3);
        // ...and the filled area sits within the outline's polygon area, short of it by about half its perimeter.
        const polygon = entry!.include.reduce((a, o) => a + polygonArea(o), 0);
        expect(area).toBeLessThan(polygon);
        expect(area).toBeGreaterThan(0.6 * polygon);
        compared++;
      }
    // Every outline on a slice of this series became a mask.
    const onSeries = [...outlines.keys()].filter((key) => series.instances.some((i) => key.endsWith(`@${i.sopInstanceUID}`)));
    expect(compared).toBe(onSeries.length);
    expect(reads.outlinesElsewhere).toBeGreaterThanOrEqual(0);
  });

  it('LIDC-IDRI-0001: the nodule covers 400-1,000 px per slice in the 0.703 mm CT, as the data README measures', async () => {
    const series = await seriesOf('LIDC-IDRI-0001');
    const reads = readLidcReads(path.join(LIDC_CT, 'LIDC-IDRI-0001', 'lidc-reads.xml'), series);
    expect(series.pixelSpacing[0]).toBeCloseTo(0.703, 3);
    const areas = reads.raters.flatMap((r) => r.slices.map((s) => countMask(s.mask)));
    expect(Math.max(...areas)).toBeGreaterThan(800);
    expect(Math.max(...areas)).toBeLessThan(1100);
  });

  // LIDC-IDRI-0001's point reads all lie on slices outside the 16 shared ones; LIDC-IDRI-0002 has 14 on its 12.
  it.each([
    ['LIDC-IDRI-0001', 0],
    ['LIDC-IDRI-0002', 14],
  ])('%s: single-point reads and non-nodules on the series are markers, never masks', async (patient, expected) => {
    const series = await seriesOf(patient);
    const file = path.join(LIDC_CT, patient, 'lidc-reads.xml');
    const reads = readLidcReads(file, series);
    const doc = new XMLParser({ removeNSPrefix: true, parseTagValue: false, isArray: () => true }).parse(readFileSync(file, 'utf8'));
    const onSeries = (uid: string) => series.instances.some((i) => i.sopInstanceUID === uid.trim());
    let points = 0;
    for (const session of doc.LidcReadMessage[0].readingSession) {
      for (const nodule of session.unblindedReadNodule ?? [])
        if ((nodule.roi ?? []).every((roi: any) => (roi.edgeMap ?? []).length <= 1)) points += (nodule.roi ?? []).filter((roi: any) => onSeries(roi.imageSOP_UID[0])).length;
      points += (session.nonNodule ?? []).filter((nn: any) => onSeries(nn.imageSOP_UID[0])).length;
    }
    expect(points).toBe(expected);
    expect(reads.markers).toHaveLength(points);
    expect(reads.markers.every((m) => ['nodule < 3 mm', 'non-nodule'].includes(m.kind) && m.sliceIndex >= 0 && m.sliceIndex < series.instances.length)).toBe(true);
  });

  it('refuses a broken file with one line naming it, and a file for another series', async () => {
    const series = await seriesOf('LIDC-IDRI-0001');
    const dir = tempDir();
    const broken = path.join(dir, 'broken.xml');
    writeFileSync(broken, '<LidcReadMessage><readingSession><unblindedReadNodule></readingSession>');
    expect(() => readLidcReads(broken, series)).toThrow(/broken\.xml: is not well-formed XML \(line 1/);
    const other = path.join(LIDC_CT, 'LIDC-IDRI-0002', 'lidc-reads.xml');
    expect(() => readLidcReads(other, series)).toThrow(/lidc-reads\.xml: annotates series 1\.3\.6\.1\.4\.1\.14519\.5\.2\.1\.6279\.6001\.619372068417051974713149104919, not/);
  });
});
