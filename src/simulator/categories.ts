/** A Yelp-like category tree: a few top-level categories and the leaves businesses carry. */
export interface Category {
  alias: string;
  title: string;
  parentAliases: string[];
}

const tree: Record<string, [string, [string, string][]]> = {
  restaurants: [
    'Restaurants',
    [
      ['pizza', 'Pizza'],
      ['mexican', 'Mexican'],
      ['italian', 'Italian'],
      ['chinese', 'Chinese'],
      ['japanese', 'Japanese'],
      ['sushi', 'Sushi Bars'],
      ['thai', 'Thai'],
      ['indpak', 'Indian'],
      ['burgers', 'Burgers'],
      ['sandwiches', 'Sandwiches'],
      ['tradamerican', 'American (Traditional)'],
      ['newamerican', 'American (New)'],
      ['bbq', 'Barbeque'],
      ['seafood', 'Seafood'],
      ['breakfast_brunch', 'Breakfast & Brunch'],
      ['hotdogs', 'Fast Food'],
      ['diners', 'Diners'],
      ['mediterranean', 'Mediterranean'],
      ['vietnamese', 'Vietnamese'],
      ['korean', 'Korean'],
      ['steak', 'Steakhouses'],
      ['southern', 'Southern'],
      ['vegan', 'Vegan'],
      ['chicken_wings', 'Chicken Wings'],
    ],
  ],
  food: [
    'Food',
    [
      ['coffee', 'Coffee & Tea'],
      ['bakeries', 'Bakeries'],
      ['desserts', 'Desserts'],
      ['icecream', 'Ice Cream & Frozen Yogurt'],
      ['donuts', 'Donuts'],
      ['foodtrucks', 'Food Trucks'],
      ['juicebars', 'Juice Bars & Smoothies'],
      ['grocery', 'Grocery'],
    ],
  ],
  nightlife: [
    'Nightlife',
    [
      ['bars', 'Bars'],
      ['pubs', 'Pubs'],
      ['cocktailbars', 'Cocktail Bars'],
      ['sportsbars', 'Sports Bars'],
      ['wine_bars', 'Wine Bars'],
      ['breweries', 'Breweries'],
    ],
  ],
  shopping: [
    'Shopping',
    [
      ['bookstores', 'Bookstores'],
      ['florists', 'Florists'],
      ['hardware', 'Hardware Stores'],
      ['thrift_stores', 'Thrift Stores'],
      ['shoes', 'Shoe Stores'],
    ],
  ],
  active: [
    'Active Life',
    [
      ['gyms', 'Gyms'],
      ['yoga', 'Yoga'],
      ['parks', 'Parks'],
      ['bowling', 'Bowling'],
    ],
  ],
  beautysvc: [
    'Beauty & Spas',
    [
      ['hair', 'Hair Salons'],
      ['othersalons', 'Nail Salons'],
      ['massage', 'Massage'],
    ],
  ],
  auto: [
    'Automotive',
    [
      ['autorepair', 'Auto Repair'],
      ['carwash', 'Car Wash'],
    ],
  ],
};

/** Every category, parents first, in the order /v3/categories lists them (by alias, as Yelp). */
export const CATEGORIES: Category[] = Object.entries(tree)
  .flatMap(([parent, [title, leaves]]) => [
    { alias: parent, title, parentAliases: [] as string[] },
    ...leaves.map(([alias, leafTitle]) => ({ alias, title: leafTitle, parentAliases: [parent] })),
  ])
  .sort((a, b) => a.alias.localeCompare(b.alias));

export const TOP_LEVEL = Object.keys(tree);
/** Leaf categories grouped by top level, for drawing a business's categories. */
export const LEAVES: Record<string, Category[]> = Object.fromEntries(
  TOP_LEVEL.map((top) => [top, CATEGORIES.filter((c) => c.parentAliases.includes(top))]),
);
/** How common each kind of business is (restaurants dominate Yelp). */
export const TOP_LEVEL_WEIGHTS: Record<string, number> = {
  restaurants: 0.5,
  food: 0.18,
  nightlife: 0.12,
  shopping: 0.07,
  active: 0.05,
  beautysvc: 0.05,
  auto: 0.03,
};

/** Expands a list of aliases to itself plus every descendant, for the search filter. */
export function expandCategories(aliases: string[]): Set<string> {
  const out = new Set(aliases);
  for (const c of CATEGORIES) if (c.parentAliases.some((p) => out.has(p))) out.add(c.alias);
  return out;
}
