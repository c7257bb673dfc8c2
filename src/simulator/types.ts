/** The simulator's ground truth: what a complete, fault-free pull of every county returns on a day. */
export interface World {
  readonly seed: number;
  readonly size: number;
  /** The exact truth of the world on a day: what a complete, fault-free pull of every county that day returns. */
  truth(date: string): GroundTruth;
  /** Streams every business row of a day without HTTP, for 1M-row benchmarks (memory stays flat). */
  businessesOn(date: string): Iterable<TruthBusiness>;
}

export interface GroundTruth {
  date: string;
  /** 50 states + DC + PR (what the states page and Census agree on). */
  states: { fips: string; name: string; code: string }[];
  /** 5-digit fips, Census county names ("Autauga County"). */
  counties: { fips: string; name: string; stateFips: string }[];
  /** Years the Census endpoint serves (DATE_CODE > 2). */
  countyPopulation: { countyFips: string; year: number; population: number }[];
  /** The /v3/categories list. */
  categories: { alias: string; title: string; parentAliases: string[] }[];
  /** Businesses OPEN and listed on that day (search returns exactly these). */
  businesses: TruthBusiness[];
  /** Businesses that closed on or before that day (details endpoint says is_closed: true). */
  closedBusinesses: { id: string; closedOn: string }[];
  /** What /v3/businesses/{id}/reviews returns that day, for every open business (≤ 3 each, as Yelp). */
  reviews: TruthReview[];
  /** What /v3/events returns that day (all counties). */
  events: TruthEvent[];
}

export interface TruthBusiness {
  id: string;
  alias: string;
  name: string;
  url: string;
  imageUrl: string;
  phone: string;
  displayPhone: string;
  price: '$' | '$$' | '$$$' | '$$$$' | null;
  rating: number;
  reviewCount: number;
  categories: { alias: string; title: string }[];
  transactions: string[];
  latitude: number;
  longitude: number;
  address1: string;
  address2: string | null;
  address3: string | null;
  city: string;
  zipCode: string;
  country: 'US';
  /** USPS code. */
  state: string;
  countyFips: string;
  /** Meters from the center of the county search (the `region.center` of the county). */
  distance: number;
}

export interface TruthReview {
  id: string;
  businessId: string;
  url: string;
  text: string;
  rating: number;
  /** The instant, UTC, as 'YYYY-MM-DD HH:MM:SS' (the API serves it as Pacific wall-clock time). */
  timeCreated: string;
  user: { id: string; profileUrl: string; imageUrl: string | null; name: string };
}

export interface TruthEvent {
  id: string;
  businessId: string | null;
  name: string;
  category: string;
  description: string;
  attendingCount: number;
  interestedCount: number;
  cost: number | null;
  costMax: number | null;
  isFree: boolean;
  isCanceled: boolean;
  isOfficial: boolean;
  /** ISO 8601 with the place's offset (the API serves it as Pacific wall-clock time). */
  timeStart: string;
  timeEnd: string | null;
  ticketsUrl: string;
  eventSiteUrl: string;
  imageUrl: string;
  latitude: number;
  longitude: number;
  address1: string;
  city: string;
  zipCode: string;
  state: string;
  countyFips: string;
}
