/* {
  "materialized": "snapshot",
  "description": "When a business had a category: closed when the source marks the link ended.",
  "unique_key": ["business_id", "category_id"],
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["business_id", "category_id", "valid_from"] }]
} */

select * from {{ ref('stg_business_category_bridge') }}
