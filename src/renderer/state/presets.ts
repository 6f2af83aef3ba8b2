import { WINDOW_PRESETS, type Intensity, type Window } from '../../shared/volume';

export interface Preset {
  name: string;
  window: Window;
}

/**
 * Presets on keys 1-9. Hounsfield data gets the clinical CT windows (lung first, the CT default); already-windowed
 * 8-bit crops get full range and contrast-stretched variants; key 9 is always the study's own stored window.
 */
export function presetsFor(intensity: Intensity, studyWindow: Window, range: [number, number]): Preset[] {
  const full: Preset = { name: 'Full range', window: { width: Math.max(1, range[1] - range[0]), level: (range[0] + range[1]) / 2 } };
  const list: Preset[] =
    intensity === 'HU'
      ? [
          { name: 'Lung', window: WINDOW_PRESETS.lung },
          { name: 'Mediastinum', window: WINDOW_PRESETS.mediastinum },
          { name: 'Bone', window: WINDOW_PRESETS.bone },
          { name: 'Brain', window: WINDOW_PRESETS.brain },
          { name: 'Abdomen', window: WINDOW_PRESETS.abdomen },
          { name: 'Liver', window: { width: 150, level: 30 } },
          { name: 'Soft tissue', window: { width: 400, level: 60 } },
          full,
        ]
      : [
          { name: '0–255', window: WINDOW_PRESETS.full8bit },
          { name: 'Dark detail', window: { width: 128, level: 64 } },
          { name: 'Bright detail', window: { width: 128, level: 192 } },
          { name: 'High contrast', window: { width: 96, level: 127.5 } },
          full,
        ];
  while (list.length < 8) list.push(full);
  return [...list.slice(0, 8), { name: 'Study window', window: studyWindow }];
}

/**
 * The window a study opens in: its own (a DICOM file's WindowCenter/Width; the lung preset for Hounsfield data
 * without one, set at import), except 8-bit crops, which open at full range.
 */
export function defaultWindowFor(intensity: Intensity, studyWindow: Window): Window {
  return intensity === 'windowed' ? WINDOW_PRESETS.full8bit : studyWindow;
}
