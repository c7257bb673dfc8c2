select cast(min(holding_date) as varchar) as first_date, cast(max(holding_date) as varchar) as last_date
from marts.fct_business_holding
