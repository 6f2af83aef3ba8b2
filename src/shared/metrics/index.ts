/** Calibration, agreement and consensus metrics of binary masks: pure TypeScript, usable in every process. */
export { CE_EPS, crossEntropy, errorMap, meanMask, sampleCounts, uncertaintyMap } from './uncertainty';
export { dice, iou, meanOffDiagonal, pairwiseDice } from './overlap';
export { calibrationMetrics, type CalibrationMetrics, type CalibrationReport } from './calibration';
export { majorityVote, staple, type StapleOptions, type StapleResult } from './consensus';
export { presenceIndicators, summarize, type PresenceRow, type Summary } from './aggregate';
export { noduleSize, sliceDiameters, type NoduleSize } from './volumetry';
