-- snapshots/snap_yelp_user (snapshot)

-- snapshot source
select * from `gourmand.warehouse_staging.stg_yelp_user`;
