/** Response shapes of the endpoints the pages read (declared in src/api/routes). */
export interface Overview {
  built: boolean;
  openBusinesses: number;
  closedBusinesses: number;
  reviews: number;
  holdingDates: number;
  firstHoldingDate: string | null;
  lastHoldingDate: string | null;
  countiesWithBusinesses: number;
}

export interface PerCapita {
  population: number | null;
  businesses: number;
  reviews: number;
  businessesPer100k: number | null;
  reviewsPer100k: number | null;
}
export interface StateRow extends PerCapita {
  stateCode: string;
  stateName: string;
}
export interface CountyRow extends PerCapita {
  countyFips: string;
  countyName: string;
  stateCode: string;
}
export interface Locations {
  built: boolean;
  count: number;
  points: [number, number][];
}

export type { Distribution as Dist } from '../../../api/queries/distribution.ts';

import type { Distribution as Dist } from '../../../api/queries/distribution.ts';
export interface Segments {
  built: boolean;
  from: string | null;
  to: string | null;
  levels: { paymentLevel: string; businesses: number; rating: Dist; reviewCount: Dist; growthPerDay: Dist }[];
}

export interface Run {
  runId: number;
  runDate: string;
  executor: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
}
export interface RunCell {
  task: string;
  status: string;
  attempts: number;
}
export interface Check {
  check: string;
  entity: string;
  severity: string;
  status: string;
  expected: number | null;
  actual: number | null;
  runDate: string;
  runId: number | null;
}
export interface RunDetail extends Run {
  attempts: {
    task: string;
    attempt: number;
    status: string;
    startedAt: string;
    endedAt: string | null;
    rows: number | null;
    error: string | null;
  }[];
  checks: Check[];
  alerts: {
    alertId: number;
    status: string;
    createdAt: string;
    sentAt: string | null;
    text: string | null;
    attempts: {
      attempt: number;
      attemptedAt: string;
      httpStatus: number | null;
      error: string | null;
      durationMs: number;
    }[];
  }[];
}
export interface Freshness {
  sourceLatest: string | null;
  warehouseLatest: string | null;
  lastSucceededRunDate: string | null;
  status: string | null;
  checkedAt: string | null;
}
export interface Lineage {
  nodes: { name: string; layer: string; materialized: string }[];
  edges: { from: string; to: string }[];
}

export interface BusinessSummary {
  id: number;
  name: string;
  price: string | null;
  rating: number | null;
  reviewCount: number | null;
  isClosed: boolean;
  city: string;
  stateCode: string;
}
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** What `gourmand report` inlines into the file. */
export interface ReportData {
  generatedAt: string;
  overview: Overview;
  states: StateRow[];
  counties: CountyRow[];
  locations: Locations;
  segments: Segments;
  analyses: ReportAnalysis[];
  run: RunDetail | null;
  topology: import('topojson-specification').Topology;
}

export type { AnalysisResult, Estimate, Spread, TestOutcome } from '../../../analysis/result.ts';

/** One entry of `/analytics/analyses`. */
export interface AnalysisSummary {
  name: string;
  title: string;
  description: string;
  params: string[];
  href: string;
}

/** An analysis in the report: its result on the defaults, or the message why there is none. */
export interface ReportAnalysis {
  name: string;
  title: string;
  description: string;
  result: import('../../../analysis/result.ts').AnalysisResult | null;
  message: string | null;
}

/** One line of a run's log (GET /analytics/pipeline/runs/{id}/logs). */
export interface LogLine {
  time: string;
  level: string;
  task: string | null;
  msg: string;
  err: string | null;
}
