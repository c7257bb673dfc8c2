-- :n businesses with every column filled the way the loader fills them.
insert into business (
  yelp_id, alias, name, url, image_url, phone, display_phone, payment_level_id, latitude, longitude,
  address1, address2, zip_code, city_id, county_id, distance_m, is_closed, first_seen, last_seen
)
select
  'yelp-' || g, 'business-' || g, 'Business ' || g, 'https://www.yelp.com/biz/business-' || g,
  'https://s3-media.fl.yelpcdn.com/bphoto/' || md5(g::text) || '/o.jpg',
  '+1555' || lpad(g::text, 7, '0'), '(555) ' || lpad(g::text, 7, '0'), 1 + g % 4,
  38 + (g % 100000) / 100000.0, -77 - (g % 100000) / 100000.0,
  g || ' Main St', case when g % 3 = 0 then 'Suite ' || g % 300 end, lpad((g % 99999)::text, 5, '0'),
  1 + g % 100, 1 + g % 100, (g % 5000) * 1.25, false, date '2026-01-01', date '2026-01-01'
from generate_series(1, :n) g;
