-- marts/dim_user (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_user` as
with versions as (

    select * from `gourmand.warehouse_snapshots.snap_yelp_user`

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

select * from final;
