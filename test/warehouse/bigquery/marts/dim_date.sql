-- marts/dim_date (table)

-- table
create or replace table `gourmand.warehouse_marts.dim_date` as
with days as (

    select date_day from (select date_day from unnest(generate_date_array(date '2015-01-01', date '2035-12-31')) as date_day)

),

final as (

    select
        date_day,
        cast(extract(day from date_day) as integer) as day_of_month,
        format_date('%A', date_day) as day_name,
        extract(isoweek from date_day) as iso_week,
        cast(format_date('%u', date_day) as int64) as iso_day_of_week,
        cast(extract(month from date_day) as integer) as month,
        format_date('%B', date_day) as month_name,
        cast(extract(quarter from date_day) as integer) as quarter,
        cast(extract(year from date_day) as integer) as year,
        cast(format_date('%j', date_day) as int64) as day_of_year,
        date_add(date_day, interval cast(1 - extract(day from date_day) as int64) day) as first_of_month,
        cast(format_date('%u', date_day) as int64) >= 6 as is_weekend
    from days

)

select * from final;
