-- Every county's population in the two latest estimate years.
with years as (

    select max(estimation_year) as later_year, max(estimation_year) - 1 as earlier_year
    from marts.fct_county_growth

)

select
    counties.state_code,
    counties.county_fips_code,
    years.earlier_year,
    years.later_year,
    earlier.estimated_population as earlier_population,
    later.estimated_population as later_population
from years
join marts.fct_county_growth as later on later.estimation_year = years.later_year
join marts.fct_county_growth as earlier
    on earlier.county_id = later.county_id and earlier.estimation_year = years.earlier_year
join marts.dim_county as counties on counties.county_id = later.county_id
where {{filters}}
order by counties.county_fips_code
