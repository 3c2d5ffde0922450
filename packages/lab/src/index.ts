export { capturePath, check, defineLesson, isRoot, lessonId, rootSkipReason, verdictOf } from './lesson.js';
export type { Check, FlagSchema, Lesson, LessonContext, LessonResult, Measurement, Verdict } from './lesson.js';
export type { BarsFigure, Figure, HistogramFigure, LadderFigure, LineFigure, TableFigure, WaterfallFigure } from './figures.js';
export { LabError } from './errors.js';
export { UsageError, helpText, parseFlags, runMain, withFlags } from './flags.js';
export type { CommandInfo, FlagSpec, FlagValues } from './flags.js';
export { bucketize, mean, median, nowMs, percentile, summarize } from './stats.js';
export type { Summary } from './stats.js';
export {
  bar,
  checkLines,
  formatBytes,
  formatLessonResult,
  formatMs,
  formatValue,
  measurementTable,
  renderFigure,
  sparkline,
  table,
  verdictLine,
} from './text.js';
export { runLessonMain } from './main.js';
export { escapeXml, niceTicks, renderFigureSvg, svgPalette } from './svg.js';
export type { SvgOptions } from './svg.js';
export { Wire, WireError, escapeLines } from './wire.js';
export type { WireErrorCode, WireEvent, WireOptions } from './wire.js';
export { ListenError, closedPort, listenLoopback } from './ports.js';
export { WaitTimeoutError, sleep, until } from './sleep.js';
export type { LoopbackOptions, LoopbackServer } from './ports.js';
