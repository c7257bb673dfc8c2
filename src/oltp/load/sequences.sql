-- Loads give new rows ids max(id) + row_number() in natural-key order, under the load lock, so
-- the same input gets the same ids whatever a crashed load consumed before (sequences are not
-- transactional). This keeps each sequence just past its table's largest id for other writers.

select setval(pg_get_serial_sequence('country', 'country_id'), coalesce(max(country_id), 0) + 1, false) from country;
select setval(pg_get_serial_sequence('state', 'state_id'), coalesce(max(state_id), 0) + 1, false) from state;
select setval(pg_get_serial_sequence('county', 'county_id'), coalesce(max(county_id), 0) + 1, false) from county;
select setval(pg_get_serial_sequence('city', 'city_id'), coalesce(max(city_id), 0) + 1, false) from city;
select setval(pg_get_serial_sequence('business', 'business_id'), coalesce(max(business_id), 0) + 1, false) from business;
select setval(pg_get_serial_sequence('business_category', 'category_id'), coalesce(max(category_id), 0) + 1, false) from business_category;
select setval(pg_get_serial_sequence('transaction_type', 'transaction_type_id'), coalesce(max(transaction_type_id), 0) + 1, false) from transaction_type;
select setval(pg_get_serial_sequence('yelp_user', 'user_id'), coalesce(max(user_id), 0) + 1, false) from yelp_user;
select setval(pg_get_serial_sequence('review', 'review_id'), coalesce(max(review_id), 0) + 1, false) from review;
select setval(pg_get_serial_sequence('event_category', 'event_category_id'), coalesce(max(event_category_id), 0) + 1, false) from event_category;
select setval(pg_get_serial_sequence('event', 'event_id'), coalesce(max(event_id), 0) + 1, false) from event;
