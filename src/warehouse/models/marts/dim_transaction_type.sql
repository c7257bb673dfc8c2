/* {
  "materialized": "view",
  "description": "Yelp transaction types (pickup, delivery, restaurant_reservation), type 2.",
  "tests": [
    { "unique": "transaction_type_key" },
    { "not_null": ["transaction_type_key", "transaction_type_id", "transaction_name"] }
  ]
} */

with versions as (

    select * from {{ ref('snap_transaction_type') }}

),

final as (

    select
        snapshot_id as transaction_type_key,
        transaction_type_id,
        transaction_name,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from versions

)

select * from final
