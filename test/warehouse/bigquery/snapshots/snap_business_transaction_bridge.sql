-- snapshots/snap_business_transaction_bridge (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_business_transaction_bridge`;
