/* {
  "materialized": "incremental",
  "description": "One row per business and date: rating, review count and reviews gained since the previous day. Every holding is kept, with the business version valid that day (the first version also covers the days before it: a backfilled holding); a holding outside every version has no business_key and fails its tests (the original dropped those rows).",
  "unique_key": ["business_id", "holding_date"],
  "partition_by": "holding_date",
  "tests": [
    { "unique": ["business_id", "holding_date"] },
    { "unique": "business_holding_key" },
    { "not_null": ["business_holding_key", "business_key", "business_id", "holding_date", "rating", "review_count"] },
    { "relationships": { "column": "business_key", "to": "dim_business", "field": "business_key" } },
    { "relationships": { "column": "holding_date", "to": "dim_date", "field": "date_day" } }
  ]
} */

with holdings as (

    select * from {{ ref('stg_business_holding') }}
    {% if is_incremental() %}
    where extracted_on in {{ batch_dates }}
    {% endif %}

),

-- a holding re-extracted later (a same-day re-run of the load) counts once, as last extracted
latest as (

    select * from holdings
    qualify row_number() over (partition by business_id, holding_date order by extracted_on desc) = 1

),

-- yesterday's review counts: from this batch, or (incremental) from the rows already built
earlier as (

    select business_id, holding_date, review_count from latest
    {% if is_incremental() %}
    union all
    select built.business_id, built.holding_date, built.review_count from {{ this }} as built
    where built.holding_date in (select {{ date_add('holding_date', '-1') }} from latest)
        and not exists (
            select 1 from latest
            where latest.business_id = built.business_id and latest.holding_date = built.holding_date
        )
    {% endif %}

),

versions as (

    select
        business_key,
        business_id,
        -- the first version also stands for the days before the business was first extracted
        case when valid_from = min(valid_from) over (partition by business_id)
            then cast('0001-01-01' as date) else valid_from end as valid_from,
        valid_to
    from {{ ref('dim_business') }}

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
        {{ hash('with_version.business_id', 'with_version.holding_date') }} as business_holding_key,
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
        and earlier.holding_date = {{ date_add('with_version.holding_date', '-1') }}

)

select * from final
