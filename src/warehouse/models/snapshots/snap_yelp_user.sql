/* {
  "materialized": "snapshot",
  "description": "Every version of every Yelp user.",
  "unique_key": "user_id",
  "strategy": "timestamp",
  "updated_at": "updated_at"
} */

select * from {{ ref('stg_yelp_user') }}
