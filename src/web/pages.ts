/** The web app's pages: address, bundle entry (src/web/client/pages/<entry>.ts) and nav title. */
export interface Page {
  path: string;
  entry: string;
  title: string;
  /** Shown in the navigation bar. */
  nav: boolean;
}

export const PAGES: readonly Page[] = [
  { path: '/', entry: 'home', title: 'Home', nav: true },
  { path: '/explorer', entry: 'explorer', title: 'Explorer', nav: true },
  { path: '/business/:id', entry: 'business', title: 'Business', nav: false },
  { path: '/map', entry: 'map', title: 'Map', nav: true },
  { path: '/segments', entry: 'segments', title: 'Segments', nav: true },
  { path: '/analyses', entry: 'analyses', title: 'Analyses', nav: true },
  { path: '/pipeline', entry: 'pipeline', title: 'Pipeline', nav: true },
  { path: '/account', entry: 'account', title: 'Account', nav: true },
];
