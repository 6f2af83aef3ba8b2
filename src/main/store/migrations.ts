/**
 * Versioned schema migrations. Each runs once, in order, inside one IMMEDIATE transaction (database.ts), and
 * records itself in schema_migrations; a database newer than this build is refused rather than guessed at.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        patient_id TEXT,
        source TEXT NOT NULL CHECK (source IN ('lidc', 'png', 'nifti', 'dicom')),
        source_path TEXT NOT NULL,
        nx INTEGER NOT NULL, ny INTEGER NOT NULL, nz INTEGER NOT NULL,
        spacing TEXT NOT NULL,       -- JSON [sx, sy, sz] mm
        origin TEXT NOT NULL,        -- JSON [x, y, z] LPS mm
        direction TEXT NOT NULL,     -- JSON row-major 3x3, columns are the i, j, k axes
        dtype TEXT NOT NULL CHECK (dtype IN ('uint8', 'int16', 'int32', 'float32')),
        intensity TEXT NOT NULL CHECK (intensity IN ('HU', 'windowed', 'raw')),
        window_width REAL NOT NULL,
        window_level REAL NOT NULL,
        source_meta TEXT NOT NULL DEFAULT '{}', -- JSON: what export needs to line up with the input (NIfTI affine, DICOM UIDs)
        notes TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
      );

      CREATE TABLE slices (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        slice_index INTEGER NOT NULL,
        image BLOB NOT NULL,          -- deflate of the slice's voxels, little-endian, dtype of the study
        PRIMARY KEY (study_id, slice_index)
      ) WITHOUT ROWID;

      CREATE TABLE raters (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
      );

      -- Every revision of every rater's mask is kept; the current mask is the highest revision.
      CREATE TABLE annotations (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        slice_index INTEGER NOT NULL,
        rater_id INTEGER NOT NULL REFERENCES raters(id),
        revision INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('manual', 'model-mean', 'model-sample', 'imported')),
        mask BLOB NOT NULL,           -- deflate of the bit-packed mask
        area INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (study_id, slice_index, rater_id, revision)
      );
      CREATE INDEX annotations_by_slice ON annotations (study_id, slice_index);

      CREATE TABLE model_runs (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        provider TEXT NOT NULL,
        sampler TEXT NOT NULL,
        seed INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'cancelled', 'failed')),
        timings TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX model_runs_by_settings ON model_runs (study_id, model_id, model_sha256, sampler, seed, samples, steps);

      CREATE TABLE slice_results (
        run_id INTEGER NOT NULL REFERENCES model_runs(id) ON DELETE CASCADE,
        slice_index INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        total_uncertainty REAL NOT NULL,
        lesion_uncertainty REAL NOT NULL,
        score REAL NOT NULL,
        mean_area REAL NOT NULL,
        samples BLOB NOT NULL,        -- deflate of N bit-packed masks, concatenated
        sample_count INTEGER NOT NULL,
        mean BLOB NOT NULL,           -- deflate of float32 maps
        uncertainty BLOB NOT NULL,
        entropy BLOB NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        elapsed_ms REAL NOT NULL,
        PRIMARY KEY (run_id, slice_index)
      ) WITHOUT ROWID;

      CREATE TABLE reviews (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        slice_index INTEGER NOT NULL,
        rater_id INTEGER NOT NULL REFERENCES raters(id),
        status TEXT NOT NULL CHECK (status IN ('unreviewed', 'reviewed', 'second-look')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (study_id, slice_index, rater_id)
      ) WITHOUT ROWID;

      -- Append-only: who changed what and when. No foreign keys, so history outlives what it describes.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        study_id INTEGER,
        slice_index INTEGER,
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'segment descriptions from imported DICOM SEG',
    sql: `
      -- What a rater's masks on a study depict when an imported DICOM SEG said so (its segment label and coded
      -- concepts), so that exporting them says the same instead of a generic "lesion".
      CREATE TABLE segment_descriptions (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        rater_id INTEGER NOT NULL REFERENCES raters(id),
        label TEXT NOT NULL,
        category TEXT,                -- JSON { value, scheme, meaning } or NULL
        type TEXT,                    -- JSON { value, scheme, meaning } or NULL
        PRIMARY KEY (study_id, rater_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'regions of interest; runs on ROIs with their warnings',
    sql: `
      -- A nodule-centred box: the model's in-plane window (in the study's own pixels) around a voxel centre, on an
      -- inclusive slice range. Triage of a study whose slices are not model-sized samples only these windows.
      CREATE TABLE rois (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        cx INTEGER NOT NULL, cy INTEGER NOT NULL, cz INTEGER NOT NULL,
        slice_start INTEGER NOT NULL, slice_end INTEGER NOT NULL CHECK (slice_end >= slice_start),
        window_w INTEGER NOT NULL, window_h INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('manual', 'world', 'raters', 'csv')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX rois_by_study ON rois (study_id);
      -- What a run sampled ('' = every slice as a whole image; else the ROIs' geometry as JSON, so a run is served
      -- again only for the same boxes) and what it warned about.
      ALTER TABLE model_runs ADD COLUMN regions TEXT NOT NULL DEFAULT '';
      ALTER TABLE model_runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
      -- The ROI a slice result was cut out of (NULL: the whole image); no foreign key, so results outlive an edit.
      ALTER TABLE slice_results ADD COLUMN roi_id INTEGER;
    `,
  },
  {
    version: 4,
    name: 'DICOMweb archives, where studies came from and what was stored back',
    sql: `
      -- A DICOMweb archive (PACS). The password or token is never here in clear: the secret column holds it sealed by the
      -- OS keychain (Electron safeStorage) or by a key kept outside the database (see pacs/secrets.ts).
      CREATE TABLE archives (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        url TEXT NOT NULL,
        auth TEXT NOT NULL CHECK (auth IN ('none', 'basic', 'bearer')),
        username TEXT,
        secret BLOB,
        secret_scheme TEXT,
        created_at TEXT NOT NULL
      );

      -- Provenance of a study retrieved from an archive: which archive, which study, series and instances.
      CREATE TABLE study_origins (
        study_id INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
        archive_name TEXT NOT NULL,
        archive_url TEXT NOT NULL,
        study_instance_uid TEXT NOT NULL,
        series_instance_uid TEXT NOT NULL,
        sop_instance_uids TEXT NOT NULL,  -- JSON array, in the order retrieved
        retrieved_at TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Every SEG sent to an archive and how it went, so that a retry sends only what failed or changed.
      CREATE TABLE archive_stores (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        archive_name TEXT NOT NULL,
        item TEXT NOT NULL,               -- e.g. 'reader:Dr A', 'consensus-majority', 'model:caldiff-...'
        content_sha256 TEXT NOT NULL,     -- of the masks or probabilities sent, not of the SEG (its UIDs are new each time)
        sop_instance_uid TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('stored', 'failed')),
        message TEXT NOT NULL DEFAULT '',
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX archive_stores_by_item ON archive_stores (study_id, archive_name, item);
    `,
  },
  {
    version: 5,
    name: 'interpolated masks',
    sql: `
      -- 1 while a mask revision was filled in between the rater's own slices (slice interpolation) and the rater has not
      -- edited it since; the next save of that slice clears it. A column rather than a new source value, so that no
      -- table is rebuilt and the source still says what the revision was made from.
      ALTER TABLE annotations ADD COLUMN interpolated INTEGER NOT NULL DEFAULT 0 CHECK (interpolated IN (0, 1));
    `,
  },
  {
    version: 6,
    name: 'adjudicators and final masks',
    sql: `
      -- A rater is a reader or an adjudicator; blinding never hides anything from an adjudicator, and only an
      -- adjudicator may mark a slice's mask final.
      ALTER TABLE raters ADD COLUMN role TEXT NOT NULL DEFAULT 'reader' CHECK (role IN ('reader', 'adjudicator'));

      -- The adjudicated result of a slice, every revision kept like annotations. Its own table rather than an
      -- annotation source: the final mask is no rater's opinion, so it must stay out of every computation over the
      -- raters' masks (Dice, STAPLE, majority, blinding counts, per-rater export) without each of them filtering it,
      -- and annotations.source has a CHECK that SQLite cannot widen without rebuilding the table.
      CREATE TABLE final_masks (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        slice_index INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        mask BLOB NOT NULL,             -- deflate of the bit-packed mask
        area INTEGER NOT NULL,
        adjudicator_id INTEGER NOT NULL REFERENCES raters(id),
        from_revision INTEGER NOT NULL, -- the adjudicator's annotation revision it was made from
        basis TEXT NOT NULL,            -- what it equals: 'reader:<name>', 'consensus-majority', 'consensus-staple', 'model-mean' or 'edited'
        created_at TEXT NOT NULL,
        PRIMARY KEY (study_id, slice_index, revision)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'the sampling process of a run in its own column',
    sql: `
      -- Which process samples a running run, so another process sharing the database can tell a live run from one
      -- whose app died. It lived inside the timings JSON before; a run still running keeps its process.
      ALTER TABLE model_runs ADD COLUMN worker_pid INTEGER;
      UPDATE model_runs SET worker_pid = json_extract(timings, '$.pid') WHERE state = 'running' AND json_valid(timings);
    `,
  },
];
