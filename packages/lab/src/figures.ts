// Figures are data, not pictures: the terminal draws them as text and the
// report draws them as SVG, from the same numbers.

/** Horizontal bars, one per label (latency breakdowns, requests/s both ways). */
export interface BarsFigure {
  kind: 'bars';
  title: string;
  unit: string;
  bars: { label: string; value: number; note?: string }[];
}

/** One or more series over a shared x axis (cwnd over time). */
export interface LineFigure {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: [x: number, y: number][] }[];
}

/** Spans on a timeline, grouped in rows (waterfalls, connection lifetimes). */
export interface WaterfallFigure {
  kind: 'waterfall';
  title: string;
  unit: string;
  rows: { label: string; spans: { start: number; end: number; phase: string }[] }[];
}

/** Counts per bucket (latency histograms). */
export interface HistogramFigure {
  kind: 'histogram';
  title: string;
  unit: string;
  series: { name: string; buckets: { upTo: number; count: number }[] }[];
}

/** A table of rows over time or per item (the server's connection table). */
export interface TableFigure {
  kind: 'table';
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export type Figure = BarsFigure | LineFigure | WaterfallFigure | HistogramFigure | TableFigure;
