-- snapshots/snap_review (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_review`;
