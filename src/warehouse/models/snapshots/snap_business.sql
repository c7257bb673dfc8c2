/* {
  "materialized": "snapshot",
  "description": "Every version of every business: a new version when its updated_at moves on.",
  "unique_key": "business_id",
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["business_id", "valid_from"] }]
} */

select * from {{ ref('stg_business') }}
