-- marts/dim_business_category_bridge (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_business_category_bridge` as
with links as (

    select * from `gourmand.warehouse_snapshots.snap_business_category_bridge`

),

final as (

    select
        business_id,
        category_id,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from links

)

select * from final;
