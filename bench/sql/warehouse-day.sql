-- One simulated day (:day = 0, 1, …): every business's holding for the day, one business in
-- :every renamed or re-priced (the simulator's measured daily change rate, bench/warehouse.ts),
-- and a few new reviews.
update business
set name = 'Business ' || business_id || ' (day ' || :day || ')',
    payment_level_id = 1 + (business_id + :day) % 4,
    last_seen = date '2026-01-01' + :day,
    updated_at = now()
where :day > 0 and business_id % :every = :day % :every;

insert into business_holding (business_id, holding_date, rating, review_count)
select business_id, date '2026-01-01' + :day, 3 + (business_id % 5) * 0.5, business_id % 200 + :day * (business_id % 3)
from business;

insert into yelp_user (yelp_user_id, name)
select 'user-' || :day || '-' || g, 'User ' || g from generate_series(1, 100) g;

insert into review (yelp_review_id, business_id, user_id, rating, text, created_at)
select 'review-' || :day || '-' || u.user_id, 1 + u.user_id * 37 % (select count(*) from business), u.user_id,
       1 + u.user_id % 5, 'Bench review ' || u.user_id, timestamptz '2026-01-01 12:00+00' + (:day || ' days')::interval
from yelp_user u where u.yelp_user_id like 'user-' || :day || '-%';
