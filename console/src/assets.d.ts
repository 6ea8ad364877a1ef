/** Stylesheets imported for their effect: esbuild bundles them into the page's one stylesheet. */
declare module '*.css';
