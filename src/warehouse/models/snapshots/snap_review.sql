/* {
  "materialized": "snapshot",
  "description": "Every version of every review; closed when Yelp no longer shows it.",
  "unique_key": "review_id",
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["review_id", "valid_from"] }]
} */

select * from {{ ref('stg_review') }}
