/* {
  "materialized": "snapshot",
  "description": "When a business offered a transaction type.",
  "unique_key": ["business_id", "transaction_type_id"],
  "strategy": "timestamp",
  "updated_at": "updated_at",
  "deleted_when": "deleted_on",
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["business_id", "transaction_type_id", "valid_from"] }]
} */

select * from {{ ref('stg_business_transaction_bridge') }}
