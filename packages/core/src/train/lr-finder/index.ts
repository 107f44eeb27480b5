export { type FindLrOptions, findLearningRate, type LrFinderResult } from './find-lr.js';
export { lrCurveRows, lrCurveSparkline, lrCurveSvg } from './render-lr-curve.js';
export {
  EDGE_RISE,
  FLAT_CURVE_DROP,
  type LrSuggestion,
  type LrSuggestionRule,
  type SuggestLrOptions,
  suggestLr,
} from './suggest-lr.js';
