/* {
  "materialized": "snapshot",
  "description": "Every version of every Yelp category.",
  "unique_key": "category_id",
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on"
} */

select * from {{ ref('stg_business_category') }}
