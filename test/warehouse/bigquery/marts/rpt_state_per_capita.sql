-- marts/rpt_state_per_capita (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_state_per_capita` as
with states as (

    select * from (select * from `gourmand.warehouse_staging.stg_state` where true qualify row_number() over (partition by state_id order by extracted_on desc) = 1)

),

counties as (

    select * from `gourmand.warehouse_marts.dim_county`

),

activity as (

    select * from `gourmand.warehouse_intermediate.int_county_activity`

),

-- every state, also those without counties (territories the Census does not estimate)
per_state as (

    select
        states.state_code,
        states.state_name,
        sum(counties.population) as population,
        coalesce(sum(activity.businesses), 0) as businesses,
        coalesce(sum(activity.reviews), 0) as reviews
    from states
    left join counties on counties.state_id = states.state_id
    left join activity on activity.county_id = counties.county_id
    group by states.state_code, states.state_name

),

final as (

    select
        state_code,
        state_name,
        population,
        businesses,
        reviews,
        100000.0 * businesses / nullif(population, 0) as businesses_per_100k,
        100000.0 * reviews / nullif(population, 0) as reviews_per_100k
    from per_state

)

select * from final;
