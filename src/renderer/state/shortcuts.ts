/** Every keyboard shortcut, as the help overlay lists it. The handler in Workspace follows this table. */
export const SHORTCUTS: { group: string; items: [keys: string, what: string][] }[] = [
  {
    group: 'Navigate',
    items: [
      ['Wheel, ↑ / ↓', 'Previous / next slice'],
      ['PageUp / PageDown', '10 slices back / forward'],
      ['Home / End', 'First / last slice'],
      ['Ctrl + wheel, right drag', 'Zoom'],
      ['Shift + drag, middle drag', 'Pan'],
      ['Left drag (navigate tool), Alt + drag', 'Window / level'],
      ['1 – 9', 'Window presets'],
      ['0', 'Reset zoom and pan'],
    ],
  },
  {
    group: 'Review queue',
    items: [
      ['J / N', 'Next slice in the queue'],
      ['K / P', 'Previous slice in the queue'],
      ['R', 'Mark slice reviewed'],
      ['L', 'Mark slice for a second look'],
      ['U', 'Mark slice unreviewed'],
      ['T', 'Run triage on this study'],
      ['D', 'Jump to the slice where raters disagree most'],
    ],
  },
  {
    group: 'Annotate',
    items: [
      ['V', 'Navigate tool (window/level on drag)'],
      ['B', 'Brush'],
      ['E', 'Eraser'],
      ['F', 'Flood fill'],
      ['[ / ]', 'Smaller / larger brush'],
      ['M', "Start from the model's mean mask"],
      ['S', 'Start from the sample shown'],
      ['Delete', 'Clear the mask'],
      ['Ctrl + Z', 'Undo'],
      ['Ctrl + Shift + Z, Ctrl + Y', 'Redo'],
    ],
  },
  {
    group: 'Overlays',
    items: [
      ['O', 'Mean-mask contour on / off'],
      ['H', 'Uncertainty heat map on / off'],
      ['A', "Other raters' masks on / off"],
      ['G / Shift + G', 'Next / previous model sample'],
      ['X', 'Error map on / off'],
      ['?', 'This help'],
      ['Esc', 'Close dialogs'],
    ],
  },
];
