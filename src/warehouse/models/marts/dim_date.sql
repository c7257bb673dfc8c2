/* {
  "materialized": "table",
  "description": "One row per calendar day, 2015 to 2035: the date dimension, generated here (the original's lived outside its repository).",
  "tests": [{ "unique": "date_day" }, { "not_null": ["date_day", "year", "month"] }]
} */

with days as (

    select date_day from {{ date_spine('2015-01-01', '2035-12-31') }}

),

final as (

    select
        date_day,
        cast(extract(day from date_day) as integer) as day_of_month,
        {{ day_name('date_day') }} as day_name,
        {{ iso_week('date_day') }} as iso_week,
        {{ iso_day_of_week('date_day') }} as iso_day_of_week,
        cast(extract(month from date_day) as integer) as month,
        {{ month_name('date_day') }} as month_name,
        cast(extract(quarter from date_day) as integer) as quarter,
        cast(extract(year from date_day) as integer) as year,
        {{ day_of_year('date_day') }} as day_of_year,
        {{ date_add('date_day', '1 - extract(day from date_day)') }} as first_of_month,
        {{ iso_day_of_week('date_day') }} >= 6 as is_weekend
    from days

)

select * from final
