-- marts/dim_review (table)

-- table
create or replace table `gourmand.warehouse_marts.dim_review` as
with versions as (

    select * from `gourmand.warehouse_snapshots.snap_review`

),

businesses as (

    select business_key, business_id, valid_from, valid_to from `gourmand.warehouse_marts.dim_business`

),

users as (

    select user_key, user_id, valid_from, valid_to from `gourmand.warehouse_marts.dim_user`

),

final as (

    select
        -- keys
        versions.snapshot_id as review_key,
        versions.review_id,
        versions.yelp_review_id,
        versions.business_id,
        businesses.business_key,
        versions.user_id,
        users.user_key,
        -- attributes
        versions.review_url,
        versions.review_excerpt,
        versions.review_rating,
        versions.created_at,
        -- validity
        versions.valid_from,
        coalesce(versions.valid_to, cast('9999-12-31' as date)) as valid_to,
        versions.is_current
    from versions
    left join businesses
        on businesses.business_id = versions.business_id
        and versions.valid_from >= businesses.valid_from
        and versions.valid_from < businesses.valid_to
    left join users
        on users.user_id = versions.user_id
        and versions.valid_from >= users.valid_from
        and versions.valid_from < users.valid_to

)

select * from final;
