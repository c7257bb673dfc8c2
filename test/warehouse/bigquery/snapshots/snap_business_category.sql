-- snapshots/snap_business_category (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_business_category`;
