export {
  MAX_RENDITION_ASPECT,
  readCapped,
  RENDITION_FORMATS,
  renderRenditions,
  type ImageLimits,
  type RenderedRendition,
  type RenditionFormat,
  type RenditionSpec,
} from './render-renditions.ts';
export {
  ALLOWED_LOADERS,
  configureSharp,
  hardenSharp,
  type SharpSettings,
} from './sharp-settings.ts';
export { UnprocessableImageError } from './unprocessable-image.error.ts';
