-- marts/dim_transaction_type (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_transaction_type` as
with versions as (

    select * from `gourmand.warehouse_snapshots.snap_transaction_type`

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

select * from final;
