-- A first load (business empty when it starts) fills business_current, the API's read model
-- (migration 0100), once at its end instead of through its statement triggers: those refreshed
-- every business when it was inserted and again when its first holding was, each time through
-- the table's eight indexes. Disabling a trigger locks the table until commit, which a first load
-- already does (deferred-checks.ts); the triggers are back on before the load commits.
-- :action is replaced by the load with "disable" (at the start) or "enable" (at the end).
alter table business :action trigger business_current_insert;
alter table business :action trigger business_current_update;
alter table business_holding :action trigger business_current_holding_insert;
alter table business_holding :action trigger business_current_holding_update;
alter table business_holding :action trigger business_current_holding_delete;
