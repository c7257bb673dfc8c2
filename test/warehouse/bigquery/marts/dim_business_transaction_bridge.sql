-- marts/dim_business_transaction_bridge (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_business_transaction_bridge` as
with links as (

    select * from `gourmand.warehouse_snapshots.snap_business_transaction_bridge`

),

final as (

    select
        business_id,
        transaction_type_id,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from links

)

select * from final;
