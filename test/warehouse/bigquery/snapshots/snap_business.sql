-- snapshots/snap_business (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_business`;
