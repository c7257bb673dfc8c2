-- snapshots/snap_transaction_type (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_transaction_type`;
