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

/**
 * A ladder (sequence) diagram of TCP segments: two timelines, one arrow per
 * segment in time order, labelled with its flags. Times come from one capture
 * point, so an arrow's slant is drawn, not measured; the gap before each
 * arrow is written beside the left timeline when it is long enough to matter.
 */
export interface LadderFigure {
  kind: 'ladder';
  title: string;
  /** The two timelines, e.g. `['client', 'server']`. */
  sides: [left: string, right: string];
  arrows: {
    /** Which timeline sent it: 0 = left, 1 = right. */
    from: 0 | 1;
    /** Capture time, ms (any origin). */
    atMs: number;
    /** On the arrow, e.g. `P. 1:61` or `S`. */
    label: string;
    /** Beside it, e.g. `ACK held 40 ms: delayed ACK`. */
    note?: string;
    /** Draw it in the highlight colour: the segment that carries the lesson's effect. */
    highlight?: boolean;
  }[];
}

export type Figure = BarsFigure | LineFigure | WaterfallFigure | HistogramFigure | TableFigure | LadderFigure;
