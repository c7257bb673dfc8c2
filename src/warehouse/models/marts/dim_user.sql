/* {
  "materialized": "view",
  "description": "Yelp users, type 2 (the profile URL under its own name: the original stored it as BusinessCategoryName).",
  "tests": [
    { "unique": "user_key" },
    { "not_null": ["user_key", "user_id", "yelp_user_id"] }
  ]
} */

with versions as (

    select * from {{ ref('snap_yelp_user') }}

),

final as (

    select
        snapshot_id as user_key,
        user_id,
        yelp_user_id,
        user_name,
        user_profile_url,
        user_image_url,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from versions

)

select * from final
