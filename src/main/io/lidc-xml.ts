/**
 * The LIDC-IDRI reader annotation file (`LidcReadMessage` XML, one per CT series): one `readingSession` per
 * radiologist, each nodule an outline per slice (`roi`: `edgeMap` pixel coordinates, the slice named by
 * `imageSOP_UID` and `imageZposition`, `inclusion` FALSE for a hole).
 *
 * Filling follows the LIDC convention (and pylidc's default): the readers drew their outline just outside the
 * nodule, so a nodule is the pixels strictly inside its outline polygon without the outline's own pixels; a hole
 * removes its inside and its outline. Nodules under 3 mm (one point per slice) and non-nodules are not outlined:
 * they are kept as markers, never as masks.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ApiError } from '../../shared/errors';
import type { LidcMarker } from '../../shared/api';
import type { DicomSeriesMeta } from './dicom';
import { lidcRaterName } from './sources';

/** A reads file is a few hundred kB; anything far larger is not one and is refused before it is parsed. */
const MAX_XML_BYTES = 64 * 1024 * 1024;
/** LIDC z positions are written with 6 decimals but may differ from the image header by rounding. */
const Z_TOLERANCE_MM = 0.1;

export interface LidcReads {
  file: string;
  seriesInstanceUID: string;
  /** One per reading session, in file order ("LIDC reader 1..4"); slices without an outline are absent. */
  raters: { raterName: string; slices: { k: number; mask: Uint8Array }[] }[];
  markers: LidcMarker[];
  /** Outlines on slices this series does not hold (the reads cover the whole scan). */
  outlinesElsewhere: number;
}

const ARRAYS = new Set(['readingSession', 'unblindedReadNodule', 'roi', 'edgeMap', 'nonNodule', 'locus']);
const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, ignoreAttributes: true, isArray: (name) => ARRAYS.has(name) });

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

function bad(file: string, problem: string): never {
  throw new ApiError('bad_input', `${file}: ${problem}`);
}

/** Whether a file is a LIDC reads file, from its first bytes (cheap enough to ask of every .xml in a folder). */
export function isLidcReadsFile(file: string): boolean {
  if (!/\.xml$/i.test(file)) return false;
  const head = readFileSync(file, { encoding: 'utf8', flag: 'r' }).slice(0, 4096);
  return head.includes('<LidcReadMessage');
}

/** The reads files in a series folder or beside it (in its parent folder). */
export function lidcReadsNear(seriesDir: string): string[] {
  const out: string[] = [];
  for (const dir of [seriesDir, path.dirname(seriesDir)]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      if (/\.xml$/i.test(name) && statSync(file).isFile() && isLidcReadsFile(file) && !out.includes(file)) out.push(file);
    }
  }
  return out;
}

/** The SeriesInstanceUid a reads file names in its header ('' when it names none). */
export function lidcSeriesUID(file: string): string {
  return text((parseReads(file).ResponseHeader as Node | undefined)?.SeriesInstanceUid);
}

function parseReads(file: string): Node {
  const size = statSync(file).size;
  if (size > MAX_XML_BYTES) bad(file, `is ${size} bytes, too large for a LIDC reads file`);
  const xml = readFileSync(file, 'utf8');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) bad(file, `is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const root = (parser.parse(xml) as Node).LidcReadMessage as Node | undefined;
  if (!root) bad(file, 'is not a LIDC reads file (no LidcReadMessage element)');
  return root;
}

/**
 * Reads the file against the series it annotates: each outline lands on the slice whose SOPInstanceUID it names,
 * else on the slice at its z position.
 */
export function readLidcReads(file: string, series: Pick<DicomSeriesMeta, 'seriesInstanceUID' | 'instances' | 'rows' | 'columns'>): LidcReads {
  const root = parseReads(file);
  const uid = text((root.ResponseHeader as Node | undefined)?.SeriesInstanceUid);
  if (uid && uid !== series.seriesInstanceUID) bad(file, `annotates series ${uid}, not ${series.seriesInstanceUID}`);
  const bySop = new Map(series.instances.map((inst, k) => [inst.sopInstanceUID, k]));
  const sliceOf = (node: Node): number | null => {
    const k = bySop.get(text(node.imageSOP_UID));
    if (k !== undefined) return k;
    const z = Number(text(node.imageZposition));
    if (!Number.isFinite(z)) return null;
    const hit = series.instances.findIndex((inst) => Math.abs(inst.imagePositionPatient[2] - z) <= Z_TOLERANCE_MM);
    return hit < 0 ? null : hit;
  };
  const width = series.columns;
  const height = series.rows;
  const point = (e: Node, where: string): [number, number] => {
    const x = Number(text(e.xCoord));
    const y = Number(text(e.yCoord));
    if (!Number.isInteger(x) || !Number.isInteger(y)) bad(file, `${where}: an edgeMap point is not a pair of whole numbers`);
    return [x, y];
  };

  const reads: LidcReads = { file, seriesInstanceUID: series.seriesInstanceUID, raters: [], markers: [], outlinesElsewhere: 0 };
  list(root.readingSession).forEach((session, r) => {
    const raterName = lidcRaterName(r);
    const slices = new Map<number, Uint8Array>();
    for (const nodule of list(session.unblindedReadNodule)) {
      const id = text(nodule.noduleID);
      const rois = list(nodule.roi);
      // A nodule under 3 mm is read as one point per slice, with no outline to fill.
      if (rois.every((roi) => list(roi.edgeMap).length <= 1)) {
        for (const roi of rois) {
          const k = sliceOf(roi);
          const [p] = list(roi.edgeMap);
          if (k === null || !p) continue;
          const [x, y] = point(p, `${raterName} nodule ${id}`);
          reads.markers.push({ raterName, kind: 'nodule < 3 mm', id, sliceIndex: k, x, y });
        }
        continue;
      }
      // Per slice: the nodule's inclusions, then its holes.
      const perSlice = new Map<number, { include: [number, number][][]; exclude: [number, number][][] }>();
      for (const roi of rois) {
        const k = sliceOf(roi);
        if (k === null) {
          reads.outlinesElsewhere++;
          continue;
        }
        const outline = list(roi.edgeMap).map((e) => point(e, `${raterName} nodule ${id}`));
        const entry = perSlice.get(k) ?? { include: [], exclude: [] };
        (text(roi.inclusion).toUpperCase() === 'FALSE' ? entry.exclude : entry.include).push(outline);
        perSlice.set(k, entry);
      }
      for (const [k, { include, exclude }] of perSlice) {
        const nodule = new Uint8Array(width * height);
        for (const outline of include) {
          fillPolygon(nodule, width, height, outline);
          setPoints(nodule, width, height, outline, 0);
        }
        for (const outline of exclude) {
          const hole = new Uint8Array(width * height);
          fillPolygon(hole, width, height, outline);
          setPoints(hole, width, height, outline, 1);
          for (let i = 0; i < hole.length; i++) if (hole[i]) nodule[i] = 0;
        }
        const mask = slices.get(k) ?? new Uint8Array(width * height);
        for (let i = 0; i < mask.length; i++) mask[i] |= nodule[i];
        slices.set(k, mask);
      }
    }
    for (const nn of list(session.nonNodule)) {
      const k = sliceOf(nn);
      const [p] = list(nn.locus);
      if (k === null || !p) continue;
      const [x, y] = point(p, `${raterName} non-nodule ${text(nn.nonNoduleID)}`);
      reads.markers.push({ raterName, kind: 'non-nodule', id: text(nn.nonNoduleID), sliceIndex: k, x, y });
    }
    reads.raters.push({ raterName, slices: [...slices].sort((a, b) => a[0] - b[0]).map(([k, mask]) => ({ k, mask })) });
  });
  if (reads.raters.length === 0) bad(file, 'holds no readingSession');
  return reads;
}

/**
 * Even-odd scanline fill of the polygon through the given pixel centres: sets every pixel whose centre lies
 * inside. Rows are crossed half-open (an edge covers y1 <= y < y2), so a vertex on a row is counted once.
 */
export function fillPolygon(mask: Uint8Array, width: number, height: number, outline: [number, number][]): void {
  const n = outline.length;
  if (n < 3) return;
  const ys = outline.map((p) => p[1]);
  const top = Math.max(0, Math.ceil(Math.min(...ys)));
  const bottom = Math.min(height - 1, Math.floor(Math.max(...ys)));
  const crossings: number[] = [];
  for (let y = top; y <= bottom; y++) {
    crossings.length = 0;
    for (let i = 0; i < n; i++) {
      const [x1, y1] = outline[i];
      const [x2, y2] = outline[(i + 1) % n];
      if ((y1 <= y && y < y2) || (y2 <= y && y < y1)) crossings.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
    crossings.sort((a, b) => a - b);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      const from = Math.max(0, Math.ceil(crossings[c]));
      const to = Math.min(width - 1, Math.floor(crossings[c + 1]));
      if (to >= from) mask.fill(1, y * width + from, y * width + to + 1);
    }
  }
}

function setPoints(mask: Uint8Array, width: number, height: number, points: [number, number][], value: 0 | 1): void {
  for (const [x, y] of points) if (x >= 0 && y >= 0 && x < width && y < height) mask[y * width + x] = value;
}
