/* {
  "materialized": "snapshot",
  "description": "Every version of every Yelp user.",
  "unique_key": "user_id",
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["user_id", "valid_from"] }]
} */

select * from {{ ref('stg_yelp_user') }}
