-- marts/rpt_business_profile (view)

-- view
create or replace view `gourmand.warehouse_marts.rpt_business_profile` as
with businesses as (

    select * from `gourmand.warehouse_marts.dim_business`
    where is_current

),

counties as (

    select county_id, county_fips_code, state_code from `gourmand.warehouse_marts.dim_county`

),

category_links as (

    select business_id, category_id from `gourmand.warehouse_marts.dim_business_category_bridge`
    where is_current

),

categories as (

    select category_id, category_alias, parent_category_alias from `gourmand.warehouse_marts.dim_business_category`
    where is_current

),

-- a business's leaves share one parent in Yelp's tree; the smallest alias breaks a rare tie
category_groups as (

    select
        category_links.business_id,
        min(coalesce(categories.parent_category_alias, categories.category_alias)) as category_group
    from category_links
    join categories on categories.category_id = category_links.category_id
    group by category_links.business_id

),

transactions as (

    select business_id, count(*) as transaction_count
    from `gourmand.warehouse_marts.dim_business_transaction_bridge`
    where is_current
    group by business_id

),

name_counts as (

    select business_name, count(*) as locations
    from businesses
    group by business_name

),

final as (

    select
        businesses.business_id,
        businesses.business_key,
        businesses.yelp_id,
        businesses.business_name,
        counties.state_code,
        counties.county_fips_code,
        length(businesses.payment_level_symbol) as payment_level,
        businesses.payment_level_symbol,
        category_groups.category_group,
        case when name_counts.locations >= 10 then businesses.business_name end as chain_name,
        coalesce(transactions.transaction_count, 0) as transaction_count,
        businesses.is_closed
    from businesses
    join counties on counties.county_id = businesses.county_id
    left join category_groups on category_groups.business_id = businesses.business_id
    left join transactions on transactions.business_id = businesses.business_id
    left join name_counts on name_counts.business_name = businesses.business_name

)

select * from final;
