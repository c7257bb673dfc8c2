-- marts/fct_business_holding (incremental)

-- first build
create or replace table `gourmand.warehouse_marts.fct_business_holding`
partition by holding_date
cluster by business_id, holding_date as
with holdings as (

    select * from `gourmand.warehouse_staging.stg_business_holding`
    

),

-- a holding re-extracted later (a same-day re-run of the load) counts once, as last extracted
latest as (

    select * from holdings
    where true qualify row_number() over (partition by business_id, holding_date order by extracted_on desc) = 1

),

-- yesterday's review counts: from this batch, or (incremental) from the rows already built
earlier as (

    select business_id, holding_date, review_count from latest
    

),

versions as (

    select
        business_key,
        business_id,
        -- the first version also stands for the days before the business was first extracted
        case when valid_from = min(valid_from) over (partition by business_id)
            then cast('0001-01-01' as date) else valid_from end as valid_from,
        valid_to
    from `gourmand.warehouse_marts.dim_business`

),

with_version as (

    select
        latest.*,
        versions.business_key
    from latest
    left join versions
        on versions.business_id = latest.business_id
        and latest.holding_date >= versions.valid_from
        and latest.holding_date < versions.valid_to

),

final as (

    select
        -- keys
        to_hex(md5(array_to_string([cast(with_version.business_id as string), cast(with_version.holding_date as string)], '|'))) as business_holding_key,
        with_version.business_key,
        with_version.business_id,
        with_version.holding_date,
        -- measures
        with_version.rating,
        with_version.review_count,
        with_version.review_count - earlier.review_count as reviews_gained,
        -- lineage
        with_version.updated_at,
        with_version.extracted_on
    from with_version
    left join earlier
        on earlier.business_id = with_version.business_id
        and earlier.holding_date = date_add(with_version.holding_date, interval cast(-1 as int64) day)

)

select * from final;

-- incremental batch
create or replace table `gourmand.warehouse__gourmand.batch_fct_business_holding` as
with holdings as (

    select * from `gourmand.warehouse_staging.stg_business_holding`
    
    where extracted_on in (cast('2026-01-01' as date))
    

),

-- a holding re-extracted later (a same-day re-run of the load) counts once, as last extracted
latest as (

    select * from holdings
    where true qualify row_number() over (partition by business_id, holding_date order by extracted_on desc) = 1

),

-- yesterday's review counts: from this batch, or (incremental) from the rows already built
earlier as (

    select business_id, holding_date, review_count from latest
    
    union all
    select built.business_id, built.holding_date, built.review_count from `gourmand.warehouse_marts.fct_business_holding` as built
    where built.holding_date in (select date_add(holding_date, interval cast(-1 as int64) day) from latest)
        and not exists (
            select 1 from latest
            where latest.business_id = built.business_id and latest.holding_date = built.holding_date
        )
    

),

versions as (

    select
        business_key,
        business_id,
        -- the first version also stands for the days before the business was first extracted
        case when valid_from = min(valid_from) over (partition by business_id)
            then cast('0001-01-01' as date) else valid_from end as valid_from,
        valid_to
    from `gourmand.warehouse_marts.dim_business`

),

with_version as (

    select
        latest.*,
        versions.business_key
    from latest
    left join versions
        on versions.business_id = latest.business_id
        and latest.holding_date >= versions.valid_from
        and latest.holding_date < versions.valid_to

),

final as (

    select
        -- keys
        to_hex(md5(array_to_string([cast(with_version.business_id as string), cast(with_version.holding_date as string)], '|'))) as business_holding_key,
        with_version.business_key,
        with_version.business_id,
        with_version.holding_date,
        -- measures
        with_version.rating,
        with_version.review_count,
        with_version.review_count - earlier.review_count as reviews_gained,
        -- lineage
        with_version.updated_at,
        with_version.extracted_on
    from with_version
    left join earlier
        on earlier.business_id = with_version.business_id
        and earlier.holding_date = date_add(with_version.holding_date, interval cast(-1 as int64) day)

)

select * from final;

-- incremental merge
merge `gourmand.warehouse_marts.fct_business_holding` as t
using `gourmand.warehouse__gourmand.batch_fct_business_holding` as s
on false
when not matched by source and to_hex(md5(array_to_string([cast(t.business_id as string), cast(t.holding_date as string)], '|'))) in (select to_hex(md5(array_to_string([cast(b.business_id as string), cast(b.holding_date as string)], '|'))) from `gourmand.warehouse__gourmand.batch_fct_business_holding` as b) then delete
when not matched then insert row;
