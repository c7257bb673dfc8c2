-- A first load (business empty when it starts) fills the API's read models, business_current
-- (migration 0100) and business_detail (0160), once at its end instead of through their statement
-- triggers: those refreshed every business when it was inserted and again when its first holding
-- or bridge row was, each time through the tables' indexes. Disabling a trigger locks the table
-- until commit, which a first load already does (deferred-checks.ts); the triggers are back on
-- before the load commits.
-- :action is replaced by the load with "disable" (at the start) or "enable" (at the end).
alter table business :action trigger business_current_insert;
alter table business :action trigger business_current_update;
alter table business_holding :action trigger business_current_holding_insert;
alter table business_holding :action trigger business_current_holding_update;
alter table business_holding :action trigger business_current_holding_delete;
alter table business_category_bridge :action trigger business_detail_category_insert;
alter table business_category_bridge :action trigger business_detail_category_update;
alter table business_category_bridge :action trigger business_detail_category_delete;
alter table business_transaction_bridge :action trigger business_detail_transaction_insert;
alter table business_transaction_bridge :action trigger business_detail_transaction_update;
alter table business_transaction_bridge :action trigger business_detail_transaction_delete;
