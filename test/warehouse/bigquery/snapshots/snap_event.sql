-- snapshots/snap_event (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_event`;
