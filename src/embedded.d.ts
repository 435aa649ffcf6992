// Files embedded into the executable through import attributes (see src/web/assets.ts).
declare module "*.css" {
  const content: string;
  export default content;
}
declare module "htmx.org/dist/ext/hx-sse.min.js" {
  const path: string;
  export default path;
}
declare module "htmx.org/dist/htmx.min.js" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const content: string;
  export default content;
}
declare module "*/assets/app.js" {
  const content: string;
  export default content;
}
declare module "*.png" {
  const path: string;
  export default path;
}
