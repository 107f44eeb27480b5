export { type ClassDistribution, ClassTally } from './class-tally.js';
export {
  type ClassCurves,
  type ClassificationAnalysis,
  ClassificationCollector,
  type PerClassScores,
} from './classification-analysis.js';
export { classificationSection } from './classification-section.js';
export {
  type ReportFigure,
  type ReportInput,
  type ReportSection,
  type ReportTable,
  renderReportHtml,
  writeReport,
} from './html-report.js';
export { type EvalRecord, MetricsLog, type MetricsRecord, type TrainRecord } from './metrics-log.js';
export {
  createProgressReporter,
  type ProgressOptions,
  type ProgressReporter,
  type ProgressStream,
  type ProgressUpdate,
} from './progress.js';
export { prCurve, rocCurve, type ScoredCurve, thinCurve } from './roc-pr.js';
export {
  classificationWarnings,
  formatDistribution,
  MAJORITY_BASELINE_MARGIN,
  majorityBaselineMacroF1,
  type RunWarning,
  type RunWarningCode,
  tallyMacroF1,
} from './run-warnings.js';
export { type StopReason, type TrainSummary, writeSummary } from './summary.js';
export { type ChartSeries, type LineChartOptions, niceTicks, svgLineChart } from './svg-line-chart.js';
