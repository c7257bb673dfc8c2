import type { ColumnType, Generated, GeneratedAlways } from 'kysely';

/**
 * Row types of the source database, as the migrations leave it (latest version).
 * `date` columns come back as 'YYYY-MM-DD' strings, numerics and bigints as numbers
 * (see the type parsers in database.ts), timestamps as Date.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type DateString = ColumnType<string, string, string>;

export interface CountryTable {
  country_id: Generated<number>;
  country_code: string;
  country_name: string;
  updated_at: UpdatedAt;
}

export interface StateTable {
  state_id: Generated<number>;
  state_name: string;
  state_code: string;
  fips_code: string | null;
  country_id: number;
  updated_at: UpdatedAt;
}

export interface CountyTable {
  county_id: Generated<number>;
  fips_code: string;
  county_name: string;
  state_id: number;
  updated_at: UpdatedAt;
}

export interface CountyPopulationTable {
  county_id: number;
  year: number;
  population: number;
  updated_at: UpdatedAt;
}

export interface CityTable {
  city_id: Generated<number>;
  city_name: string;
  state_id: number;
  county_id: number | null;
  updated_at: UpdatedAt;
}

export interface PaymentLevelTable {
  payment_level_id: number;
  symbol: string;
  name: string;
}

export interface BusinessTable {
  business_id: Generated<number>;
  yelp_id: string;
  alias: string;
  name: string;
  url: string | null;
  image_url: string | null;
  phone: string | null;
  display_phone: string | null;
  payment_level_id: number | null;
  latitude: number | null;
  longitude: number | null;
  address1: string | null;
  address2: string | null;
  address3: string | null;
  zip_code: string | null;
  city_id: number;
  county_id: number;
  distance_m: number | null;
  is_closed: Generated<boolean>;
  first_seen: DateString;
  last_seen: DateString;
  updated_at: UpdatedAt;
  valid_to: DateString | null;
}

export interface BusinessCategoryTable {
  category_id: Generated<number>;
  alias: string;
  title: string;
  parent_alias: string | null;
  updated_at: UpdatedAt;
  valid_to: DateString | null;
}

export interface BusinessCategoryBridgeTable {
  business_id: number;
  category_id: number;
  updated_at: UpdatedAt;
  valid_to: DateString | null;
}

export interface TransactionTypeTable {
  transaction_type_id: Generated<number>;
  name: string;
  updated_at: UpdatedAt;
}

export interface BusinessTransactionBridgeTable {
  business_id: number;
  transaction_type_id: number;
  updated_at: UpdatedAt;
  valid_to: DateString | null;
}

export interface BusinessHoldingTable {
  business_id: number;
  holding_date: DateString;
  rating: number;
  review_count: number;
  updated_at: UpdatedAt;
}

/** The list's read model: one row per business, kept current by triggers (migration 0100). */
export interface BusinessCurrentTable {
  business_id: number;
  yelp_id: string;
  alias: string;
  name: string;
  payment_level_id: number | null;
  is_closed: boolean;
  listed: boolean;
  city_id: number;
  state_id: number;
  latitude: number | null;
  longitude: number | null;
  rating: number | null;
  review_count: number | null;
  holding_date: DateString | null;
  /** lower(city.city_name): the list's city filter, across the cities of that name. */
  city_name_lower: string;
  /** The current (valid_to is null) categories, ascending: the list's category filter (migration 0170). */
  category_ids: number[];
  /** lower(name), generated: the list's `q` (migration 0170). */
  name_lower: GeneratedAlways<string>;
}

/** Migration 0160: what the detail shows beyond business_current, kept by triggers. */
export interface BusinessDetailTable {
  business_id: number;
  url: string | null;
  image_url: string | null;
  phone: string | null;
  display_phone: string | null;
  address1: string | null;
  address2: string | null;
  address3: string | null;
  zip_code: string | null;
  valid_to: DateString | null;
  /** payment_level.symbol */
  price: string | null;
  city_name: string;
  county_name: string;
  state_name: string;
  state_code: string;
  categories: { alias: string; title: string }[];
  transactions: string[];
}

export interface YelpUserTable {
  user_id: Generated<number>;
  yelp_user_id: string;
  profile_url: string | null;
  image_url: string | null;
  name: string | null;
  updated_at: UpdatedAt;
}

export interface ReviewTable {
  review_id: Generated<number>;
  yelp_review_id: string;
  business_id: number;
  user_id: number;
  url: string | null;
  text: string | null;
  rating: number;
  created_at: Timestamp;
  updated_at: UpdatedAt;
  valid_to: DateString | null;
}

export interface EventCategoryTable {
  event_category_id: Generated<number>;
  name: string;
  updated_at: UpdatedAt;
}

export interface EventTable {
  event_id: Generated<number>;
  yelp_event_id: string;
  business_id: number | null;
  event_category_id: number | null;
  name: string;
  description: string | null;
  attending_count: number | null;
  interested_count: number | null;
  cost: number | null;
  cost_max: number | null;
  is_free: Generated<boolean>;
  is_canceled: Generated<boolean>;
  is_official: Generated<boolean>;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  tickets_url: string | null;
  event_site_url: string | null;
  image_url: string | null;
  latitude: number | null;
  longitude: number | null;
  address1: string | null;
  zip_code: string | null;
  city_id: number | null;
  updated_at: UpdatedAt;
  valid_to: DateString | null;
}

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'abandoned';
export type TaskStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface PipelineRunTable {
  run_id: Generated<number>;
  run_date: DateString;
  executor: Generated<string>;
  status: RunStatus;
  started_at: Generated<Date>;
  ended_at: Date | null;
  error: string | null;
  /** The process running it (null for BullMQ runs, which any worker continues). */
  host: string | null;
  pid: number | null;
  heartbeat_at: Date | null;
  /** The run's JSON-line log in the state folder (logs/<date>/run-<id>.jsonl). */
  log_file: Generated<string | null>;
}

/** A run's warnings and errors, kept on a PostgreSQL server (bounded per run). */
export interface TaskLogTable {
  task_log_id: Generated<number>;
  run_id: number;
  task_name: string | null;
  level: string;
  logged_at: Date;
  msg: string;
  record: unknown;
}

export interface TaskRunTable {
  task_run_id: Generated<number>;
  run_id: number;
  task_name: string;
  attempt: number;
  status: TaskStatus;
  started_at: Generated<Date>;
  ended_at: Date | null;
  rows: number | null;
  error: string | null;
  /** Why a succeeded attempt's result is incomplete (the run then ends 'partial'). */
  partial: Generated<string | null>;
}

export interface CoverageTable {
  source: string;
  run_date: DateString;
  county_fips: string;
  status: 'pulled' | 'failed';
  mode: 'full' | 'daily';
  reason: string | null;
  permanent: Generated<boolean>;
  calls: Generated<number>;
  recorded_at: Generated<Date>;
}

export interface CoveragePassTable {
  source: string;
  pass_started: DateString;
  start_after: string | null;
}

export interface CheckResultTable {
  check_result_id: Generated<number>;
  run_id: number | null;
  run_date: DateString;
  check_name: string;
  entity: string;
  severity: 'warn' | 'error';
  status: 'pass' | 'warn' | 'fail';
  expected: number | null;
  actual: number | null;
  details: ColumnType<unknown, string | undefined, string>;
  checked_at: Generated<Date>;
}

export interface AlertTable {
  alert_id: Generated<number>;
  run_id: number;
  run_date: DateString;
  dedup_key: string;
  status: 'sending' | 'sent' | 'failed';
  payload: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
  sent_at: Date | null;
}

export interface AlertAttemptTable {
  alert_id: number;
  attempt: number;
  attempted_at: Generated<Date>;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
}

/** Views of migration 0031 (read-only). */
export interface CheckPassRateDailyView {
  run_date: DateString;
  checks: number;
  passed: number;
  warned: number;
  failed: number;
  pass_rate: number;
}

export interface TaskStatsView {
  run_id: number;
  run_date: DateString;
  executor: string;
  task_name: string;
  status: TaskStatus;
  attempts: number;
  rows: number | null;
  duration_seconds: number | null;
  started_at: Date;
  ended_at: Date | null;
}

export interface TaskDurationStatsView {
  task_name: string;
  runs: number;
  p50_seconds: number;
  p95_seconds: number;
  avg_rows: number | null;
}

export interface DataFreshnessView {
  source_latest: DateString | null;
  warehouse_latest: DateString | null;
  last_succeeded_run_date: DateString | null;
  freshness_status: 'pass' | 'warn' | 'fail' | null;
  checked_at: Date | null;
}

/** Records a source sent that failed validation or could not be placed (migration 0010). */
export interface QuarantineTable {
  quarantine_id: Generated<number>;
  run_date: DateString;
  source: string;
  entity: string;
  record_key: Generated<string>;
  reason: string;
  record: ColumnType<unknown, string | null, string | null>;
  created_at: Generated<Date>;
}

export interface SchemaMigrationTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export type AccountRole = 'user' | 'moderator' | 'admin';

export interface ApiAccountTable {
  account_id: Generated<number>;
  email: string;
  password_hash: string;
  role: ColumnType<AccountRole, AccountRole | undefined, AccountRole>;
  email_verified: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: UpdatedAt;
}

export interface ApiRefreshTokenTable {
  refresh_token_id: Generated<number>;
  account_id: number;
  family_id: string;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
}

export type EmailTokenPurpose = 'verify' | 'reset';

export interface ApiEmailTokenTable {
  email_token_id: Generated<number>;
  account_id: number;
  purpose: EmailTokenPurpose;
  email: string;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
  used_at: Timestamp | null;
}

export interface ApiFavouriteTable {
  account_id: number;
  business_id: number;
  created_at: Generated<Date>;
}

export interface ApiNoteTable {
  note_id: Generated<number>;
  account_id: number;
  business_id: number;
  body: string;
  rating: number | null;
  hidden_at: Timestamp | null;
  hidden_by: number | null;
  created_at: Generated<Date>;
  updated_at: UpdatedAt;
}

export interface AuditLogTable {
  audit_id: Generated<number>;
  account_id: number;
  actor_email: string;
  action: string;
  entity: string;
  entity_id: string;
  before: ColumnType<unknown, string | null, string | null>;
  after: ColumnType<unknown, string | null, string | null>;
  at: Generated<Date>;
}

export interface LakeWatermarkTable {
  table_name: string;
  extract_date: DateString;
  /** Kept as text by the lake export so microseconds survive (JS Date has milliseconds). */
  low_watermark: ColumnType<Date | null, string | null, string | null>;
  high_watermark: ColumnType<Date, string, string>;
  /** pg_snapshot as text: the snapshot the export read (null before issue 16). */
  snapshot: ColumnType<string | null, string | null | undefined, string | null>;
  rows: number;
  files: ColumnType<unknown, string, string>;
  manifest_key: string;
  exported_at: Generated<Date>;
}

/** A business as every reader of current data sees it: source values with admin corrections applied (0062). */
export type BusinessEffectiveView = BusinessTable;

/** One admin correction of one business field (the column name); `value` is JSON (null allowed). */
export interface ApiBusinessOverrideTable {
  business_id: number;
  field: string;
  value: ColumnType<unknown, string, string>;
  reason: string | null;
  account_id: number;
  actor_email: string;
  set_at: Timestamp;
}

export interface SourceLoadTable {
  source: 'geography' | 'yelp';
  load_date: DateString;
  loaded_at: Timestamp;
}

export interface TaskLeaseTable {
  run_id: number;
  task_name: string;
  token: number;
  holder: string;
  acquired_at: Generated<Date>;
}

export interface RunGapTable {
  run_date: DateString;
  reason: string;
  recorded_at: Generated<Date>;
}

export interface Schema {
  country: CountryTable;
  state: StateTable;
  county: CountyTable;
  county_population: CountyPopulationTable;
  city: CityTable;
  payment_level: PaymentLevelTable;
  business: BusinessTable;
  business_effective: BusinessEffectiveView;
  business_category: BusinessCategoryTable;
  business_category_bridge: BusinessCategoryBridgeTable;
  transaction_type: TransactionTypeTable;
  business_transaction_bridge: BusinessTransactionBridgeTable;
  business_holding: BusinessHoldingTable;
  business_current: BusinessCurrentTable;
  business_detail: BusinessDetailTable;
  yelp_user: YelpUserTable;
  review: ReviewTable;
  event_category: EventCategoryTable;
  event: EventTable;
  'ops.pipeline_run': PipelineRunTable;
  'ops.task_run': TaskRunTable;
  'ops.task_log': TaskLogTable;
  'ops.coverage': CoverageTable;
  'ops.coverage_pass': CoveragePassTable;
  'ops.check_result': CheckResultTable;
  'ops.schema_migration': SchemaMigrationTable;
  'ops.quarantine': QuarantineTable;
  'ops.alert': AlertTable;
  'ops.alert_attempt': AlertAttemptTable;
  'ops.check_pass_rate_daily': CheckPassRateDailyView;
  'ops.task_stats': TaskStatsView;
  'ops.task_duration_stats': TaskDurationStatsView;
  'ops.data_freshness': DataFreshnessView;
  'ops.lake_watermark': LakeWatermarkTable;
  'ops.task_lease': TaskLeaseTable;
  'ops.run_gap': RunGapTable;
  'api.account': ApiAccountTable;
  'api.refresh_token': ApiRefreshTokenTable;
  'api.email_token': ApiEmailTokenTable;
  'api.favourite': ApiFavouriteTable;
  'api.note': ApiNoteTable;
  'api.business_override': ApiBusinessOverrideTable;
  'ops.source_load': SourceLoadTable;
  'ops.audit_log': AuditLogTable;
}
