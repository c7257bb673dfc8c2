/* {
  "materialized": "snapshot",
  "description": "Every version of every Yelp category.",
  "unique_key": "category_id",
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["category_id", "valid_from"] }]
} */

select * from {{ ref('stg_business_category') }}
