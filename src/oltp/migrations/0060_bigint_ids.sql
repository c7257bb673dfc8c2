-- Surrogate keys of the tables whose rows accumulate day after day (reviews, their users, events)
-- become bigint, with their sequences: int runs out at 2^31 ids. Businesses keep int: loads no
-- longer consume ids for rows they only update, so business ids grow with new businesses alone.

alter table review alter column user_id type bigint;
alter table yelp_user alter column user_id type bigint;
alter sequence yelp_user_user_id_seq as bigint;
alter table review alter column review_id type bigint;
alter sequence review_review_id_seq as bigint;
alter table event alter column event_id type bigint;
alter sequence event_event_id_seq as bigint;
