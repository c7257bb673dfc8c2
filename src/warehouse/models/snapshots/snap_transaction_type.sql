/* {
  "materialized": "snapshot",
  "description": "Transaction types; a new version only when the name itself changes (check strategy).",
  "unique_key": "transaction_type_id",
  "strategy": "check",
  "check_cols": ["transaction_name"],
  "tests": [{ "unique": "snapshot_id" }, { "unique": ["transaction_type_id", "valid_from"] }]
} */

select * from {{ ref('stg_transaction_type') }}
