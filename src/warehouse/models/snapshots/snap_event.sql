/* {
  "materialized": "snapshot",
  "description": "Every version of every event (the original skipped this snapshot).",
  "unique_key": "event_id",
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["event_id", "valid_from"] }]
} */

select * from {{ ref('stg_event') }}
