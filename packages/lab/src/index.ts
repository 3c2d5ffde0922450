export { defineLesson, isRoot, lessonId, rootSkipReason } from './lesson.js';
export type { Lesson, LessonContext, LessonResult, Measurement } from './lesson.js';
export type { BarsFigure, Figure, HistogramFigure, LineFigure, TableFigure, WaterfallFigure } from './figures.js';
export { UsageError, helpText, parseFlags, runMain } from './flags.js';
export type { CommandInfo, FlagSpec, FlagValues } from './flags.js';
export { mean, median, nowMs, percentile, summarize } from './stats.js';
export type { Summary } from './stats.js';
export { bar, formatBytes, formatLessonResult, formatMs, formatValue, measurementTable, renderFigure, sparkline, table } from './text.js';
export { runLessonMain } from './main.js';
