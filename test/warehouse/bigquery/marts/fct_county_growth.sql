-- marts/fct_county_growth (incremental)

-- first build
create or replace table `gourmand.warehouse_marts.fct_county_growth`
cluster by county_id, estimation_year as
with estimates as (

    select * from `gourmand.warehouse_staging.stg_county_population`
    

),

latest as (

    select * from estimates
    where true qualify row_number() over (partition by county_id, estimation_year order by extracted_on desc) = 1

),

final as (

    select
        county_id,
        estimation_year,
        estimated_population,
        updated_at,
        extracted_on
    from latest

)

select * from final;

-- incremental batch
create or replace table `gourmand.warehouse__gourmand.batch_fct_county_growth` as
with estimates as (

    select * from `gourmand.warehouse_staging.stg_county_population`
    
    where extracted_on in (cast('2026-01-01' as date))
    

),

latest as (

    select * from estimates
    where true qualify row_number() over (partition by county_id, estimation_year order by extracted_on desc) = 1

),

final as (

    select
        county_id,
        estimation_year,
        estimated_population,
        updated_at,
        extracted_on
    from latest

)

select * from final;

-- incremental merge
merge `gourmand.warehouse_marts.fct_county_growth` as t
using `gourmand.warehouse__gourmand.batch_fct_county_growth` as s
on false
when not matched by source and to_hex(md5(array_to_string([cast(t.county_id as string), cast(t.estimation_year as string)], '|'))) in (select to_hex(md5(array_to_string([cast(b.county_id as string), cast(b.estimation_year as string)], '|'))) from `gourmand.warehouse__gourmand.batch_fct_county_growth` as b) then delete
when not matched then insert row;
